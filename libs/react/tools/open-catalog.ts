import type { ToolsConfig } from '@switchboard/config';
import type { MountLog } from '../mcp/mcp-mounts';
import { builtinTools } from './index';
import { NO_MOUNTS, ToolCatalog } from './tool-catalog';
import { ToolRegistry } from './tool-registry';

/** The built-in tools and the MCP servers of `tools.mcp_servers`, mounted: the same catalog wherever tools run. */
export async function openToolCatalog(config: ToolsConfig, log?: MountLog): Promise<ToolCatalog> {
  const registry = new ToolRegistry(builtinTools, config);
  if (config.mcpServers.length === 0) return new ToolCatalog(registry, NO_MOUNTS);
  // The MCP client (~15 MB of memory) is loaded only where MCP servers are mounted.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { McpMounts } = require('../mcp/mcp-mounts') as typeof import('../mcp/mcp-mounts');
  return new ToolCatalog(registry, await McpMounts.connect(config.mcpServers, log));
}
