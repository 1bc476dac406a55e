/**
 * Fetching OCI and Docker images into a verified, content-addressed {@link dev.berth.runtimes.image.BlobStore}.
 *
 * <p>{@link dev.berth.runtimes.image.ImageFetcher} reads an {@link dev.berth.runtimes.image.ImageRef}
 * (a registry, an OCI layout directory or a {@code docker save} archive) through one pull for all
 * three: an index resolved to the platform, the size limit checked from the descriptors, then the
 * config and layers streamed into the store with their sha256 and size checked on the way. The
 * result, a {@link dev.berth.runtimes.image.PulledImage}, lists layer files ready for
 * {@code SafeUnpacker.unpackLayers}. Every refusal is an
 * {@link dev.berth.runtimes.image.ImageException} whose kind has a stable code.
 */
package dev.berth.runtimes.image;
