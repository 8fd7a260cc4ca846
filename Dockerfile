# One image for every josh process in docker-compose.yml (worker, sim-model, CLI one-offs).
# The sources run through tsx as in development, so the image runs exactly the code in the repo.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, from the lockfile, so source edits do not re-install them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./

# Mount points owned by the unprivileged user, so fresh named volumes are writable by it.
RUN mkdir -p /runs /data && chown node:node /runs /data
USER node

ENV JOSH_RUNS_DIR=/runs JOSH_DATA_DIR=/data JOSH_LOG_FORMAT=json
ENTRYPOINT ["node", "bin/josh.js"]
CMD ["worker"]
