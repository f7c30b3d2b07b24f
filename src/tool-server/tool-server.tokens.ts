export const TOOL_CATALOG = Symbol('ToolCatalog');
export const TOOLS_CONFIG = Symbol('ToolsConfig');
