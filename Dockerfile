# csi-placement, a KRM function, as a minimal non-root image.
#
#   docker build .                          the default target: build from source
#   make build && docker build --target prebuilt .
#                                           package bin/csi-placement, for machines
#                                           that cannot pull the Go image
# Both give the same runtime layout: /csi-placement, /etc/passwd and
# /etc/group (kpt runs functions as user nobody and needs its entry), no
# shell, running as 65534:65534.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY fn ./fn
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/csi-placement/csi-placement/fn/internal/cli.Version=${VERSION}" \
      -o /out/csi-placement ./fn

FROM scratch AS runtime
ARG VERSION=dev
LABEL org.opencontainers.image.title="csi-placement" \
      org.opencontainers.image.description="KRM function that places CSI controller workloads on control-plane nodes" \
      org.opencontainers.image.source="https://github.com/csi-placement/csi-placement" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
COPY fn/image/passwd fn/image/group /etc/
USER 65534:65534
ENTRYPOINT ["/csi-placement"]

FROM runtime AS prebuilt
COPY bin/csi-placement /csi-placement

FROM runtime AS image
COPY --from=build /out/csi-placement /csi-placement
