package dev.berth.api.model;

/**
 * {@code POST /v1/runtimes/{name}} with JSON: deploy an OCI image, or a harness. (A zip project is
 * posted as {@code application/zip} instead, with {@code ?lang=python|node[&entrypoint=FILE]}, and
 * {@code &harness=custom[&command=CMD][&model=M]} for a custom harness.)
 *
 * @param image {@code HOST[:PORT]/REPO[:TAG|@DIGEST]}, {@code oci-layout:DIR[:TAG]} or
 *     {@code docker-archive:FILE} (the last two are paths on the server); optional with a harness (then the
 *     image must have the harness's CLI)
 * @param insecure pull over plain HTTP (loopback registries always are)
 * @param harness a built-in harness ({@code claude-code}, {@code codex}, {@code gemini}, {@code opencode},
 *     {@code kiro}, {@code cursor}, {@code custom}): the runtime runs it turn by turn instead of an agent
 * @param model the model the harness's turns use unless a turn says otherwise
 * @param command the {@code custom} harness's command ({@code sh -c COMMAND})
 */
public record DeployImageRequest(String image, Boolean insecure, String harness, String model, String command) {
    public DeployImageRequest(String image, Boolean insecure) {
        this(image, insecure, null, null, null);
    }
}
