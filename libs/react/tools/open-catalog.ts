import type { ToolsConfig } from '@switchboard/config';
import { McpMounts, type MountLog } from '../mcp/mcp-mounts';
import { builtinTools } from './index';
import { ToolCatalog } from './tool-catalog';
import { ToolRegistry } from './tool-registry';

/** The built-in tools and the MCP servers of `tools.mcp_servers`, mounted: the same catalog wherever tools run. */
export async function openToolCatalog(config: ToolsConfig, log?: MountLog): Promise<ToolCatalog> {
  return new ToolCatalog(new ToolRegistry(builtinTools, config), await McpMounts.connect(config.mcpServers, log));
}
