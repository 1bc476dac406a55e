// A stdio MCP server (the TypeScript SDK's low-level Server) for tests. Tool `wait` reports progress
// every 50 ms until the client cancels it (or `seconds` pass); on cancellation (the SDK aborts the
// request's signal when notifications/cancelled arrives) it writes $MARKER_DIR/cancelled-<label>, so
// a test sees the cancellation reach the upstream server. Tool `pid` answers its process id.
// Run with NODE_PATH=$(npm root -g).
const { Server } = require("@modelcontextprotocol/sdk/server/index.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { ListToolsRequestSchema, CallToolRequestSchema } = require("@modelcontextprotocol/sdk/types.js");
const fs = require("node:fs");
const path = require("node:path");

const server = new Server({ name: "slow", version: "1" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: "wait",
      description: "Reports progress until cancelled, or for at most `seconds` seconds",
      inputSchema: { type: "object", properties: { label: { type: "string" }, seconds: { type: "number" } } },
    },
    { name: "pid", description: "This server's process id", inputSchema: { type: "object" } },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const { name, arguments: args = {} } = request.params;
  if (name === "pid") {
    return { content: [{ type: "text", text: String(process.pid) }] };
  }
  const token = request.params._meta?.progressToken;
  const started = Date.now();
  const seconds = args.seconds ?? 60;
  let step = 0;
  while (!extra.signal.aborted && Date.now() - started < seconds * 1000) {
    step++;
    if (token !== undefined) {
      await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: step } });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (extra.signal.aborted) {
    fs.writeFileSync(path.join(process.env.MARKER_DIR, "cancelled-" + args.label), String(extra.requestId));
  }
  return { content: [{ type: "text", text: "waited " + step + " steps" }] };
});
server.connect(new StdioServerTransport());
