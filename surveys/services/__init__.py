"""surveys' writes: authoring and publishing, responding, distribution, quality and review, exports."""
