# One image for every role of the assistant; docker-compose.yml (or Kubernetes) picks the role
# with the command:
#   Rasa server    python -m rasa run --model models --endpoints deploy/endpoints.yml ...
#   action server  python -m rasa_sdk --actions actions --port 5055   (set SANIC_HOST=0.0.0.0)
#   Telegram bot   python -m bot.telegram_app                          (the default below)
#   one-off tools  python -m backoffice.conversations purge | python -m referral_directory stats | ...
# The model is trained while the image is built, so every container of one image runs exactly
# the same model, and a change to the NLU data means a new image (docs/deploy.md, "Upgrading").
# Secrets are never baked in: they come from the environment at run time (.env, Kubernetes Secret).
# Not built on our CI machines (they have no container runtime): its steps were run as plain commands on
# the same build context, and the compose services' commands as plain processes; see docs/deploy.md.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=3 \
    TF_ENABLE_ONEDNN_OPTS=0 \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    LOG_LEVEL_LIBRARIES=ERROR \
    MPLCONFIGDIR=/tmp/matplotlib \
    VAR_DIR=/app/var

# An unprivileged user owns nothing but var/ (and its home): the code and the model are read-only to it.
RUN useradd --create-home --uid 10001 --user-group surokkha
WORKDIR /app

# Dependencies first, so that a code change reuses this (large) layer.
# Runtime dependencies only (requirements-dev.txt, with pytest, stays out), every file hash-checked.
COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt

COPY . .
# Train into models/ (.dockerignore keeps the host's models/ and var/ out of the build), then drop
# the training cache and logs. The image ends up with exactly one model, so `--model models` finds it.
RUN python -m tools.train \
    && test "$(ls models/model-*.tar.gz | wc -l)" = 1 \
    && rm -rf .rasa var \
    && mkdir var \
    && chown surokkha:surokkha var

# Rasa and Keras write small settings files under $HOME at start. SUROKKHA_CONTAINER: var/ starts empty
# in a container, so the bot refuses to run on a generated SENDER_ID_SECRET (bot/settings.py).
ENV HOME=/home/surokkha \
    SUROKKHA_CONTAINER=1
USER surokkha
# 5005 Rasa, 5055 action server, 8443 bot webhook, 9100 bot /healthz /readyz /metrics
EXPOSE 5005 5055 8443 9100
CMD ["python", "-m", "bot.telegram_app"]
