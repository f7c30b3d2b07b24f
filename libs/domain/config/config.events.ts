/**
 * The gateway's configuration, stream `config-gateway`. `document` is the config as written
 * (snake_case, `${VAR}` references kept, literal secrets masked as `***<fingerprint>`), so the
 * store never holds a secret; `diff` is the line diff of its YAML against the previous revision;
 * `by` is the admin key's name, or `file` for a seed. `revision` counts from 1.
 */
export type ConfigEvent = {
  type: 'ConfigApplied';
  data: { revision: number; diff: string[]; source: 'file' | 'admin'; by: string; document: Record<string, unknown> };
};

export type ConfigCommand = {
  type: 'ApplyConfig';
  data: {
    document: Record<string, unknown>;
    /** The document's YAML and the current one's, for the diff (the handler renders both the same way). */
    text: string;
    source: 'file' | 'admin';
    by: string;
    /** An admin's `If-Match`: the revision the change was made against. */
    expectedRevision?: number;
    now: string;
  };
};
