/** The LiveTools instance: the catalog and tools config every call reads, replaced by config revisions. */
export const LIVE_TOOLS = Symbol('LiveTools');
