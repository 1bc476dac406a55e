package dev.berth.api.model;

/**
 * {@code POST /v1/runtimes/{name}} with JSON: deploy an OCI image. (A zip project is posted as
 * {@code application/zip} instead, with {@code ?lang=python|node[&entrypoint=FILE]}.)
 *
 * @param image {@code HOST[:PORT]/REPO[:TAG|@DIGEST]}, {@code oci-layout:DIR[:TAG]} or
 *     {@code docker-archive:FILE} (the last two are paths on the server)
 * @param insecure pull over plain HTTP (loopback registries always are)
 */
public record DeployImageRequest(String image, Boolean insecure) {}
