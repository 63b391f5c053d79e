# Fairpanel: one image for web (gunicorn), worker and beat (the target ``app``), and the same with the
# receipts reader's system libraries for the ocr-worker (the target ``ocr``).
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN pip install --no-cache-dir uv==0.13.8 \
 && useradd --system --create-home --uid 10001 fairpanel

WORKDIR /app
COPY pyproject.toml uv.lock ./
# Runtime dependencies only: no test tools, no embedded PostgreSQL/Redis.
RUN uv sync --frozen --no-default-groups --no-install-project

COPY . .
# collectstatic imports the production settings, which insist on real values; give it throwaway ones.
RUN SECRET_KEY=build-only-build-only-build-only-build-only-build-only-0123456789 \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seSBrZXksIG5vIHNlY3JldHMgaGVyZSE= \
    python manage.py collectstatic --no-input -v 0

RUN mkdir -p /var/lib/fairpanel/media && chown -R fairpanel /var/lib/fairpanel
USER fairpanel
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# The ocr-worker's image: the app plus OpenCV's system libraries (RapidOCR reads through OpenCV) and
# Debian's tesseract-ocr (the fallback reader). Build it with ``--target ocr``.
FROM app AS ocr
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*
USER fairpanel

# Built without a target, the image is the app's.
FROM app
