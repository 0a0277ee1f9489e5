# syntax=docker/dockerfile:1
#
# Rampart image: both binaries (/app/server, /app/worker) on distroless, running as nonroot.
#
#   docker build -t rampart .
#   docker run --rm -e SECRET_KEY_FILE=/run/secrets/secret_key -e DATABASE_URL=... rampart
#   docker run --rm ... rampart migrate up
#   docker run --rm ... --entrypoint /app/worker rampart
#
# Migrations and static assets are embedded in the binaries, so the final stage holds nothing
# else. It has no shell and no curl: health checks call `/app/server healthcheck`.
# The image defaults to APP_ENV=production, which needs a SECRET_KEY (or SECRET_KEY_FILE) of its own.

# Bump with --build-arg GO_VERSION=... ; it must satisfy the `go` line of go.mod.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# The same command CI runs, so what CI proves about the build holds for the image.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/... \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot

LABEL org.opencontainers.image.title="rampart" \
      org.opencontainers.image.description="Rampart SaaS starter: web server and job worker"

COPY --from=build /out/server /out/worker /app/
# Writable APP_DATA_DIR for the nonroot user (uid/gid 65532); mount a volume here to keep it.
COPY --from=build --chown=65532:65532 /out/data /data

USER nonroot:nonroot
ENV APP_ENV=production APP_ADDR=:8080 APP_DATA_DIR=/data
EXPOSE 8080

ENTRYPOINT ["/app/server"]
CMD ["serve"]
