// A real MCP client (the TypeScript SDK's Client over StreamableHTTPClientTransport) for tests, also
// meant to run inside a sandbox against $BERTH_MCP_URL. Run with NODE_PATH=$(npm root -g):
//   node client.cjs URL list                     -> {"tools":[names...]}
//   node client.cjs URL call TOOL ARGS_JSON      -> {"result":…,"progress":[…]} (asks for progress)
//   node client.cjs URL cancel TOOL ARGS_JSON N  -> aborts the call after N progress notifications:
//                                                  {"cancelled":true,"progress":[…]}
// A JSON-RPC error prints {"error":{"code":…,"message":…}}. Exit status 0 unless the client itself fails.
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");

async function main() {
  const [url, command, tool, argsJson, after] = process.argv.slice(2);
  const client = new Client({ name: "berth-test-client", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  // what the client sends on its own (a cancellation) must have been delivered before it closes
  const sending = new Set();
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const p = send(message, options);
    sending.add(p);
    p.then(() => sending.delete(p), () => sending.delete(p));
    return p;
  };
  await client.connect(transport);
  try {
    if (command === "list") {
      const { tools } = await client.listTools();
      return { tools: tools.map((t) => t.name) };
    }
    const args = JSON.parse(argsJson || "{}");
    const progress = [];
    if (command === "call") {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        onprogress: (p) => progress.push(p.progress),
        timeout: 60000,
      });
      return { result, progress };
    }
    if (command === "cancel") {
      const controller = new AbortController();
      try {
        await client.callTool({ name: tool, arguments: args }, undefined, {
          signal: controller.signal,
          timeout: 60000,
          onprogress: (p) => {
            progress.push(p.progress);
            if (progress.length >= Number(after)) controller.abort("test cancels");
          },
        });
        return { cancelled: false, progress };
      } catch (e) {
        if (controller.signal.aborted) return { cancelled: true, progress };
        throw e;
      }
    }
    throw new Error("unknown command " + command);
  } catch (e) {
    if (e && typeof e.code === "number") return { error: { code: e.code, message: e.message } };
    throw e;
  } finally {
    await Promise.allSettled([...sending]);
    await client.close();
  }
}

main().then((out) => {
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}, (e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(1);
});
