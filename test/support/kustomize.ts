import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * A kustomize renderer for the subset `deploy/k8s/` uses, because neither kustomize nor kubectl
 * can be installed from this machine's registries (Debian ships only kubectl 1.20, whose kustomize
 * v2 reads none of the fields below). What it does, as kustomize v5 does it:
 * - `resources`: YAML files (several documents each) and directories holding a kustomization;
 * - `configMapGenerator` (`files`, `literals`) with kustomize's name-suffix hash, and the
 *   generated names written into the pod specs that reference them (volumes, env, envFrom);
 * - `namespace`, `images` (`newName`, `newTag`), `replicas`;
 * - `patches` by `path` as strategic merge patches, for maps and for the lists the patches here
 *   touch, merged by their Kubernetes merge keys (other lists are replaced).
 * Anything else in a kustomization is refused rather than silently ignored. Where `kubectl` is
 * installed, `test/deploy/kubernetes.spec.ts` checks the output equals `kubectl kustomize`.
 */
export type K8sObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
};

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'namespace', 'images', 'replicas', 'patches']);

/** Lists that strategic merge patches merge item by item, by this key (from the Kubernetes API types). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  env: 'name',
  ports: 'containerPort',
  topologySpreadConstraints: 'topologyKey',
  tolerations: 'key',
};

export function renderKustomization(dir: string): K8sObject[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  const unknown = Object.keys(kustomization).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: not supported by this renderer: ${unknown.join(', ')}`);

  const objects: K8sObject[] = [];
  for (const entry of (kustomization.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...readObjects(path));
  }

  const renamed = new Map<string, string>();
  for (const generator of (kustomization.configMapGenerator as ConfigMapGenerator[] | undefined) ?? []) {
    const configMap = generateConfigMap(dir, generator);
    renamed.set(generator.name, configMap.metadata.name);
    objects.push(configMap);
  }
  if (renamed.size > 0) for (const object of objects) renameConfigMapReferences(object, renamed);

  for (const patch of (kustomization.patches as Array<{ path: string }> | undefined) ?? []) {
    for (const doc of readObjects(resolve(dir, patch.path))) {
      const target = objects.find((o) => o.kind === doc.kind && o.metadata.name === doc.metadata.name);
      if (!target) throw new Error(`${patch.path}: no ${doc.kind} ${doc.metadata.name} to patch`);
      strategicMerge(target, doc);
    }
  }
  for (const { name, count } of (kustomization.replicas as Array<{ name: string; count: number }> | undefined) ?? []) {
    const target = objects.find((o) => o.metadata.name === name && isWorkload(o));
    if (!target) throw new Error(`replicas: no workload named ${name}`);
    (target.spec as Record<string, unknown>).replicas = count;
  }
  for (const image of (kustomization.images as ImageOverride[] | undefined) ?? []) {
    for (const container of objects.filter(isWorkload).flatMap(containersOf)) {
      const [name, tag] = splitImage(String(container.image));
      if (name !== image.name) continue;
      container.image = `${image.newName ?? name}${image.newTag !== undefined ? `:${image.newTag}` : tag !== undefined ? `:${tag}` : ''}`;
    }
  }
  if (typeof kustomization.namespace === 'string') for (const object of objects) object.metadata.namespace = kustomization.namespace;
  return objects;
}

interface ConfigMapGenerator {
  name: string;
  files?: string[];
  literals?: string[];
}

interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
}

function readObjects(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

function generateConfigMap(dir: string, generator: ConfigMapGenerator): K8sObject {
  const data: Record<string, string> = {};
  for (const file of generator.files ?? []) data[basename(file)] = readFileSync(resolve(dir, file), 'utf8');
  for (const literal of generator.literals ?? []) {
    const eq = literal.indexOf('=');
    data[literal.slice(0, eq)] = literal.slice(eq + 1);
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${generator.name}-${configMapHash(data)}` }, data };
}

/**
 * kustomize's suffix: sha256 of Go's JSON of `{data, kind, name}` (keys sorted, HTML characters
 * escaped, and the name empty, as kustomize hashes before naming), first 10 hex digits with
 * 0 1 3 a e replaced so the suffix cannot read as a number or a word.
 */
function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(
    Object.keys(data)
      .sort()
      .map((key) => [key, data[key]]),
  );
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' }).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return createHash('sha256')
    .update(json)
    .digest('hex')
    .slice(0, 10)
    .replace(/[013ae]/g, (ch) => swap[ch]);
}

function isWorkload(object: K8sObject): boolean {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(object.kind);
}

type Container = Record<string, unknown> & { image?: string };

function podSpecOf(object: K8sObject): Record<string, unknown> | undefined {
  const template = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  return template?.spec;
}

function containersOf(object: K8sObject): Container[] {
  const pod = podSpecOf(object);
  return [...((pod?.initContainers as Container[] | undefined) ?? []), ...((pod?.containers as Container[] | undefined) ?? [])];
}

function renameConfigMapReferences(object: K8sObject, renamed: Map<string, string>): void {
  const pod = podSpecOf(object);
  if (!pod) return;
  const rename = (ref: { name?: string } | undefined) => {
    if (ref?.name !== undefined && renamed.has(ref.name)) ref.name = renamed.get(ref.name);
  };
  for (const volume of (pod.volumes as Array<{ configMap?: { name?: string } }> | undefined) ?? []) rename(volume.configMap);
  for (const container of containersOf(object)) {
    for (const from of (container.envFrom as Array<{ configMapRef?: { name?: string } }> | undefined) ?? []) rename(from.configMapRef);
    for (const variable of (container.env as Array<{ valueFrom?: { configMapKeyRef?: { name?: string } } }> | undefined) ?? [])
      rename(variable.valueFrom?.configMapKeyRef);
  }
}

function splitImage(image: string): [string, string | undefined] {
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

function strategicMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (Array.isArray(value) && Array.isArray(current) && MERGE_KEYS[key] !== undefined) {
      const mergeKey = MERGE_KEYS[key];
      for (const item of value as Array<Record<string, unknown>>) {
        const match = (current as Array<Record<string, unknown>>).find((c) => c[mergeKey] === item[mergeKey]);
        if (match) strategicMerge(match, item);
        else current.push(item);
      }
    } else if (isPlainObject(value) && isPlainObject(current)) strategicMerge(current, value);
    else target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
