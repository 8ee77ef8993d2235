# The bot in a container: slim Python, a non-root user, the database and the data key on separate
# volumes (a copy of one without the other reads nothing), a HEALTHCHECK on /healthz.
#
#   docker build -t harassment-bot .
#   docker run -d --name harassment-bot --env-file .env \
#       -v harassment-bot-data:/data -v harassment-bot-keys:/keys harassment-bot
#
# Polling needs no open port. For the webhook, see compose.yaml and docs/deploy.md.

FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY flows ./flows
COPY locales ./locales
# Wheels of the bot and of every dependency at the versions CI tested (requirements.lock).
RUN pip wheel --no-cache-dir --constraint requirements.lock --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels harassment-report-bot \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /app /data /keys /backups \
    && chown bot:bot /app /data /keys /backups \
    && chmod 0700 /data /keys /backups
# The settings come from the environment (--env-file); these place the files on their volumes.
ENV DATABASE_PATH=/data/bot.sqlite3 \
    DATA_KEY_FILE=/keys/data.key \
    MATCH_KEY_FILE=/keys/match.key \
    BACKUP_DIR=/backups \
    STATUS_PORT=8081
VOLUME ["/data", "/keys", "/backups"]
WORKDIR /app
USER bot
EXPOSE 8443 8081
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["harassment-bot", "health"]
ENTRYPOINT ["harassment-bot"]
CMD ["run"]
