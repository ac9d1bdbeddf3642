# Bosai Hub: one image for every process (serve, ingest, worker, sim, db upgrade); see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The whole source tree minus .dockerignore (tests, docs, venv, secrets); pyproject.toml decides what is installed.
COPY . .
# Only the bundled data stays beside the installed package, so the image runs exactly what pip installed.
RUN pip install . \
 && bosai i18n build \
 && find /app -mindepth 1 -maxdepth 1 ! -name data -exec rm -rf {} + \
 && useradd --create-home --uid 10001 --user-group bosai

# The bundled data (boundaries, shelters, rivers, CAP schema) is read from here, not from site-packages.
ENV BOSAI_DATA_DIR=/app/data \
    BOSAI_HTTP_HOST=0.0.0.0

USER bosai
EXPOSE 8000 8001
ENTRYPOINT ["bosai"]
CMD ["serve"]
