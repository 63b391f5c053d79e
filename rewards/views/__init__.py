"""The pages of rewards: the operators' money pages (``console``) and the panelist's wallet (``wallet``)."""
