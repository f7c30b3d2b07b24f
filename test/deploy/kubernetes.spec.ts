import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@switchboard/config';
import { shutdownGraceMs } from '../../src/gateway/http/graceful-shutdown';
import { renderKustomization, type K8sObject } from '../support/kustomize';

/**
 * No cluster, Docker engine or kustomize runs here: the kustomization is rendered by the test's own
 * renderer (test/support/kustomize.ts; compared with `kubectl kustomize` where kubectl exists),
 * every object is validated against the Kubernetes OpenAPI schemas (kubernetes-models), and what
 * the manifests name (probe paths, ports, env) is checked against the code.
 */
const root = join(__dirname, '../..');
const base = join(root, 'deploy/k8s/base');
const production = join(root, 'deploy/k8s/overlays/production');

interface Container {
  name: string;
  image: string;
  command: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface PodSpec {
  containers: Container[];
  volumes: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; emptyDir?: unknown }>;
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
}
interface Workload extends K8sObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}

const rendered = renderKustomization(production);
const byKind = (kind: string) => rendered.filter((o) => o.kind === kind);
const deployment = (name: string) => rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as Workload;
const containerOf = (name: string) => deployment(name).spec.template.spec.containers[0];
const envOf = (container: Container) => Object.fromEntries(container.env.map((e) => [e.name, e]));
const deployments = ['switchboard-gateway', 'switchboard-tools', 'switchboard-keeper'];

/** The model class for an object's apiVersion and kind, whose `validate()` checks it against the OpenAPI schema. */
function validate(object: K8sObject): void {
  const group = object.apiVersion.includes('/') ? object.apiVersion : `v1`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require(`kubernetes-models/${group}/${object.kind}`) as Record<string, new (o: unknown) => { validate(): void }>;
  new models[object.kind](object).validate();
}

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

describe('deploy/k8s', () => {
  it.each([
    ['base', base],
    ['production', production],
  ])('%s renders to objects that are valid against the Kubernetes schemas', (_name, dir) => {
    const objects = renderKustomization(dir);
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) expect(() => validate(object)).not.toThrow();
  });

  // The models check types, required fields, enums and formats; they accept unknown fields, so the
  // fields that matter are asserted by name below.
  it('the schema validation catches a wrong type, a missing required field and a value out of its enum', () => {
    const service = structuredClone(byKind('Service')[0]) as K8sObject & { spec: { ports: Array<Record<string, unknown>> } };
    service.spec.ports[0].port = 'eighty';
    expect(() => validate(service)).toThrow(/port/);
    const gateway = structuredClone(deployment('switchboard-gateway'));
    delete (gateway.spec.template.spec.containers[0] as Partial<Container>).name;
    expect(() => validate(gateway)).toThrow(/name/);
    const tools = structuredClone(byKind('Service')[1]) as K8sObject & { spec: { ports: Array<Record<string, unknown>> } };
    tools.spec.ports[0].protocol = 'HTTP';
    expect(() => validate(tools)).toThrow(/protocol/);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  (kubectl ? it.each : it.skip.each)([
    ['base', base],
    ['production', production],
  ])(
    `%s: the test's renderer gives what \`kubectl kustomize\` gives${kubectl ? '' : ' (skipped because kubectl is not installed)'}`,
    (_name, dir) => {
      const theirs = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((d) => d.toJS() as K8sObject);
      const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
      const sorted = (objects: K8sObject[]) => Object.fromEntries(objects.map((o) => [key(o), o]));
      expect(sorted(renderKustomization(dir))).toEqual(sorted(theirs));
    },
  );

  it('production runs three gateways, one keeper and a tool server, all on one shared store named by a Secret', () => {
    expect(deployment('switchboard-gateway').spec.replicas).toBe(3);
    expect(deployment('switchboard-keeper').spec.replicas).toBe(1);
    expect(deployment('switchboard-tools').spec.replicas).toBeGreaterThanOrEqual(1);
    // The tool server too: it follows the stored config (tools, MCP keys, issued client keys).
    for (const name of deployments) {
      expect({ name, store: envOf(containerOf(name)).EVENT_STORE_URL?.valueFrom?.secretKeyRef }).toEqual({
        name,
        store: { name: 'switchboard-store', key: 'EVENT_STORE_URL' },
      });
    }
    expect(envOf(containerOf('switchboard-gateway')).KEEPER_ENABLED.value).toBe('false');
    expect(new Set(rendered.map((o) => o.metadata.namespace))).toEqual(new Set(['switchboard']));
    for (const name of deployments) expect(containerOf(name).image).toBe('registry.example.com/switchboard:0.1.0');
  });

  it('every container runs as non-root on a read-only root filesystem, writing only to emptyDir volumes', () => {
    for (const name of deployments) {
      const pod = deployment(name).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(pod.securityContext.runAsUser).not.toBe(0);
      const container = pod.containers[0];
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      for (const mount of container.volumeMounts) {
        const volume = pod.volumes.find((v) => v.name === mount.name)!;
        expect(volume).toBeDefined();
        if (!volume.emptyDir) expect(mount.readOnly).toBe(true);
      }
    }
    // The image's user (`node`) is the uid the pods run as.
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
  });

  it('the gateway asks for at least its measured peak RSS, and its limit leaves room above the V8 heap cap', () => {
    const results = readFileSync(join(root, 'bench/results.md'), 'utf8');
    const peak = Number(/peak RSS ≤ 200 MB \| \w+ \| ([\d.]+) MB/.exec(results)?.[1]);
    expect(peak).toBeGreaterThan(0);
    const gateway = containerOf('switchboard-gateway');
    expect(mebibytes(gateway.resources.requests.memory) * 1.048576).toBeGreaterThanOrEqual(peak);
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(gateway.command.join(' '))?.[1]);
    expect(mebibytes(gateway.resources.limits.memory)).toBeGreaterThan(oldSpace);
    for (const name of deployments) expect(containerOf(name).resources.requests.cpu).toBeDefined();
  });

  it('the gateway gets longer to stop than SHUTDOWN_GRACE_MS lets its requests in flight run', () => {
    const grace = shutdownGraceMs({ SHUTDOWN_GRACE_MS: envOf(containerOf('switchboard-gateway')).SHUTDOWN_GRACE_MS?.value });
    expect(deployment('switchboard-gateway').spec.template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(grace);
  });

  it('the gateway runs with the node flags of `npm start`', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    expect(containerOf('switchboard-gateway').command).toEqual(start.split(/\s+/));
  });

  it('every Deployment has liveness /health/live, readiness /health/ready and a startup probe on its own port', () => {
    for (const name of deployments) {
      const container = containerOf(name);
      expect(container.livenessProbe?.httpGet.path).toBe('/health/live');
      expect(container.readinessProbe?.httpGet.path).toBe('/health/ready');
      expect(container.startupProbe?.httpGet.path).toBeDefined();
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe])
        expect(container.ports.map((p) => p.name)).toContain(probe!.httpGet.port);
    }
  });

  it('Services select the pods of their Deployment and target a port the container declares', () => {
    const services = byKind('Service') as Array<
      K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }
    >;
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['switchboard-gateway', 'switchboard-tools']);
    for (const service of services) {
      const target = deployment(service.metadata.name);
      expect(target.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      for (const port of service.spec.ports)
        expect(target.spec.template.spec.containers[0].ports.map((p) => p.name)).toContain(port.targetPort);
    }
  });

  it('a PodDisruptionBudget keeps two gateways up and an HPA scales them on CPU from three', () => {
    const gatewayLabels = deployment('switchboard-gateway').spec.template.metadata.labels;
    const [pdb] = byKind('PodDisruptionBudget') as Array<
      K8sObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }
    >;
    expect(pdb.spec.minAvailable).toBe(2);
    expect(gatewayLabels).toMatchObject(pdb.spec.selector.matchLabels);
    const [hpa] = byKind('HorizontalPodAutoscaler') as Array<
      K8sObject & {
        spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; metrics: Array<{ resource: { name: string } }> };
      }
    >;
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'switchboard-gateway' });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.metrics.map((m) => m.resource.name)).toEqual(['cpu']);
  });

  it('Prometheus scrapes the gateway at the port and path of /metrics, by annotation', () => {
    const { annotations } = deployment('switchboard-gateway').spec.template.metadata;
    const port = containerOf('switchboard-gateway').ports.find((p) => p.name === 'http')!.containerPort;
    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
    expect(readFileSync(join(root, 'src/gateway/metrics/metrics.controller.ts'), 'utf8')).toMatch(/@Controller\('metrics'\)/);
  });

  it('the config comes from a ConfigMap the gateway loads, keys from a Secret mounted at keys/', () => {
    const gateway = containerOf('switchboard-gateway');
    const env = envOf(gateway);
    const configPath = env.SWITCHBOARD_CONFIG.value!;
    const pod = deployment('switchboard-gateway').spec.template.spec;
    const configMount = gateway.volumeMounts.find((m) => configPath.startsWith(`${m.mountPath}/`))!;
    const configVolume = pod.volumes.find((v) => v.name === configMount.name)!;
    const configMap = byKind('ConfigMap').find((c) => c.metadata.name === configVolume.configMap?.name) as K8sObject & {
      data: Record<string, string>;
    };
    expect(configMap).toBeDefined();
    const text = configMap.data[configPath.slice(configMount.mountPath.length + 1)];
    const values = Object.fromEntries(gateway.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    // Read as in the image, whose working directory is /app: the repo holds the same config/patterns and keys/.
    const config = loadConfig({ text, path: configPath, env: values, cwd: root });
    expect(config.keeper.enabled).toBe(false);
    expect(config.server.port).toBe(Number(env.PORT.value));

    // The image's working directory is /app, so keys/<profile>.keys is /app/keys, the Secret's mount.
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/^WORKDIR \/app$/m);
    const keysMount = gateway.volumeMounts.find((m) => m.mountPath === '/app/keys')!;
    expect(pod.volumes.find((v) => v.name === keysMount.name)?.secret?.secretName).toBe('switchboard-keys');
    for (const profile of Object.values(config.providers).filter((p) => p.keysFile !== undefined))
      expect(profile.keysFile).toBe(join(root, 'keys', `${profile.name}.keys`));
  });

  describe('what the manifests name exists in the code', () => {
    const source = (dir: string) => execFileSync('grep', ['-rhoE', 'env\\.[A-Z_]+|env\\[.[A-Z_]+', dir], { encoding: 'utf8' });
    const readByCode = new Set(
      [source(join(root, 'src')), source(join(root, 'libs'))]
        .join('\n')
        .split('\n')
        .map((m) => m.replace(/^env[.[]'?/, ''))
        .filter(Boolean),
    );
    const configText = (byKind('ConfigMap')[0] as K8sObject & { data: Record<string, string> }).data['gateway.yaml'];

    it.each(deployments)('%s: every env name is read by the code or by the config', (name) => {
      for (const { name: variable } of containerOf(name).env) {
        const used = readByCode.has(variable) || configText.includes(`\${${variable}`) || variable === 'SWITCHBOARD_CONFIG';
        expect({ variable, used }).toEqual({ variable, used: true });
      }
    });

    it.each(deployments)('%s: the container port is the port the process listens on', (name) => {
      const container = containerOf(name);
      const env = envOf(container);
      const port = String(container.ports[0].containerPort);
      // The gateway and keeper listen on PORT (loadConfig / keeper main), the tool server on TOOLS_PORT.
      expect((env.PORT ?? env.TOOLS_PORT).value).toBe(port);
    });

    it('each probe path is a route of the app the Deployment runs', () => {
      const routes = (file: string) => {
        const text = readFileSync(join(root, file), 'utf8');
        const prefix = /@Controller\('([^']+)'\)/.exec(text)?.[1];
        return [...text.matchAll(/@Get\('([^']+)'\)/g)].map((m) => `/${prefix}/${m[1]}`);
      };
      const health = routes('src/gateway/health/health.controller.ts');
      const serves = (entry: string, module: string) => readFileSync(join(root, entry), 'utf8').includes(module);
      for (const name of deployments) {
        const container = containerOf(name);
        const entry = container.command
          .at(-1)!
          .replace(/^dist\//, '')
          .replace(/\.js$/, '.ts');
        for (const probe of [container.livenessProbe!, container.readinessProbe!, container.startupProbe!])
          expect(health).toContain(probe.httpGet.path);
        // The app behind the entry point mounts the health module.
        const module = {
          'switchboard-gateway': 'src/gateway/app.module.ts',
          'switchboard-tools': 'src/tool-server/tool-server.module.ts',
          'switchboard-keeper': entry,
        }[name]!;
        expect(serves(module, 'HealthModule.forRoot(')).toBe(true);
      }
    });
  });
});
