import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageRuntime } from '../support/dockerfile.js';

const root = path.resolve(import.meta.dirname, '../..');
const k8sDir = path.join(root, 'deploy/k8s');
const chartDir = path.join(root, 'deploy/helm/tokenpak');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [field: string]: any };

/** Each kind the manifests use, checked against the Kubernetes OpenAPI schemas that kubernetes-models compiles in (offline). */
const validators: Record<string, (manifest: unknown) => void> = {
  'v1/ConfigMap': (manifest) => new ConfigMap(manifest as ConstructorParameters<typeof ConfigMap>[0]).validate(),
  'v1/Secret': (manifest) => new Secret(manifest as ConstructorParameters<typeof Secret>[0]).validate(),
  'v1/Service': (manifest) => new Service(manifest as ConstructorParameters<typeof Service>[0]).validate(),
  'v1/PersistentVolumeClaim': (manifest) => new PersistentVolumeClaim(manifest as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate(),
  'apps/v1/Deployment': (manifest) => new Deployment(manifest as ConstructorParameters<typeof Deployment>[0]).validate(),
  'autoscaling/v2/HorizontalPodAutoscaler': (manifest) =>
    new HorizontalPodAutoscaler(manifest as ConstructorParameters<typeof HorizontalPodAutoscaler>[0]).validate(),
};

function validateManifest(manifest: Manifest): void {
  const validate = validators[`${manifest.apiVersion}/${manifest.kind}`];
  if (!validate) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  validate(manifest);
}

async function readYamlDocuments(file: string): Promise<unknown[]> {
  const documents = parseAllDocuments(await readFile(file, 'utf8'));
  const errors = documents.flatMap((document) => document.errors.map((error) => `${file}: ${error.message}`));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return documents.map((document) => document.toJS());
}

describe('deploy/k8s manifests', () => {
  let manifests: Manifest[];
  const one = (kind: string, name: string): Manifest => {
    const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
    return found;
  };

  beforeAll(async () => {
    const files = (await readdir(k8sDir)).filter((file) => file.endsWith('.yaml'));
    manifests = (await Promise.all(files.map((file) => readYamlDocuments(path.join(k8sDir, file))))).flat() as Manifest[];
  });

  it('parse, and each validates against its Kubernetes schema, with no namespace written in', () => {
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).sort()).toEqual([
      'ConfigMap/tokenpak',
      'Deployment/tokenpak',
      'Deployment/tokenpak-redis',
      'HorizontalPodAutoscaler/tokenpak',
      'PersistentVolumeClaim/tokenpak-redis-data',
      'Secret/tokenpak',
      'Service/tokenpak',
      'Service/tokenpak-redis',
    ]);
    for (const manifest of manifests) {
      expect(() => validateManifest(manifest), `${manifest.kind}/${manifest.metadata.name}`).not.toThrow();
      expect(manifest.metadata).not.toHaveProperty('namespace');
    }
  });

  it('are checked by a validator that rejects a wrong type and a missing required field', () => {
    const deployment = structuredClone(one('Deployment', 'tokenpak'));
    expect(() => validateManifest({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } })).toThrow(/replicas must be integer/);
    const { selector: _selector, ...withoutSelector } = deployment.spec;
    expect(() => validateManifest({ ...deployment, spec: withoutSelector })).toThrow(/selector/);
  });

  it('run the gateway as a non-root user on a read-only root, probed on /health and /ready, scraped by Prometheus', async () => {
    const pod = one('Deployment', 'tokenpak').spec.template;
    const [container] = pod.spec.containers;
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8766, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8766', 'prometheus.io/path': '/metrics' });
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/etc/tokenpak', readOnly: true },
        { name: 'data', mountPath: '/var/lib/tokenpak' },
      ]),
    );
    expect(container.envFrom).toEqual([{ secretRef: { name: 'tokenpak' } }]);
    // The container runs the image as built: the same port, user and config directory as the Dockerfile.
    const image = await readImageRuntime(path.join(root, 'Dockerfile'));
    expect(container).not.toHaveProperty('command');
    expect(container).not.toHaveProperty('args');
    expect(image.exposedPorts).toEqual([String(container.ports[0].containerPort)]);
    expect(image.user.split(':')[0]).toBe(String(pod.spec.securityContext.runAsUser));
    expect(path.dirname(image.env.TOKENPAK_CONFIG ?? '')).toBe('/etc/tokenpak');
    expect(image.volumes).toEqual(['/var/lib/tokenpak']);
  });

  it("send the Service's traffic and the autoscaler to the gateway's pods, and Redis's Service to Redis's alone", () => {
    const gatewayPods = one('Deployment', 'tokenpak').spec.template.metadata.labels;
    const redisPods = one('Deployment', 'tokenpak-redis').spec.template.metadata.labels;
    const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
    const gatewayService = one('Service', 'tokenpak').spec;
    const redisService = one('Service', 'tokenpak-redis').spec;
    expect(selects(gatewayService.selector, gatewayPods)).toBe(true);
    expect(selects(gatewayService.selector, redisPods)).toBe(false);
    expect(selects(one('Deployment', 'tokenpak').spec.selector.matchLabels, redisPods)).toBe(false);
    expect(selects(redisService.selector, redisPods)).toBe(true);
    expect(selects(redisService.selector, gatewayPods)).toBe(false);
    expect(gatewayService.ports).toEqual([{ name: 'http', port: 8766, targetPort: 'http', protocol: 'TCP' }]);
    expect(one('HorizontalPodAutoscaler', 'tokenpak').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tokenpak' });
  });

  it("give the pods a proxy.yaml that `tokenpak check` accepts: 0.0.0.0:8766, the ledger on the volume, state in redis.yaml's Redis", async () => {
    const proxyYaml = one('ConfigMap', 'tokenpak').data['proxy.yaml'] as string;
    const config = parse(proxyYaml);
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8766 });
    expect(config.usage.db_path).toBe('/var/lib/tokenpak/usage.db');
    expect(config.state).toEqual({ backend: 'redis', redis_url: 'redis://tokenpak-redis:6379' });
    const secretEnv = Object.keys(one('Secret', 'tokenpak').stringData);
    const referenced = [...proxyYaml.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]);
    expect(secretEnv).toEqual(expect.arrayContaining(referenced));
    const result = await tokenpakCheck(proxyYaml, Object.fromEntries(secretEnv.map((name) => [name, `test-value-of-${name}`])));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it("are the chart's values: resources, probes, autoscaling, security, image tag and Redis (ci/scale-out-values.yaml)", async () => {
    const values = parse(await readFile(path.join(chartDir, 'values.yaml'), 'utf8'));
    const scaleOut = parse(await readFile(path.join(chartDir, 'ci/scale-out-values.yaml'), 'utf8'));
    const chart = parse(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8'));
    expect(scaleOut).toEqual({ replicaCount: 2, autoscaling: { enabled: true }, redis: { enabled: true } });
    const pod = one('Deployment', 'tokenpak').spec.template.spec;
    const [container] = pod.containers;
    expect(container.resources).toEqual(values.resources);
    expect(container.livenessProbe).toEqual(values.livenessProbe);
    expect(container.readinessProbe).toEqual(values.readinessProbe);
    expect(container.securityContext).toEqual(values.securityContext);
    expect(pod.securityContext).toEqual(values.podSecurityContext);
    expect(container.image).toBe(`${values.image.repository}:${chart.appVersion}`);
    const { minReplicas, maxReplicas, targetCPUUtilizationPercentage } = values.autoscaling;
    const hpa = one('HorizontalPodAutoscaler', 'tokenpak').spec;
    expect([hpa.minReplicas, hpa.maxReplicas, hpa.metrics[0].resource.target.averageUtilization]).toEqual([minReplicas, maxReplicas, targetCPUUtilizationPercentage]);
    const redis = one('Deployment', 'tokenpak-redis').spec.template.spec.containers[0];
    expect(redis.image).toBe(`${values.redis.image.repository}:${values.redis.image.tag}`);
    expect(redis.resources).toEqual(values.redis.resources);
    // Bounded, never evicting (budgets' spend and rate-limit buckets must not be dropped for room), and kept on a volume (issued keys must survive a restart).
    expect(values.redis.persistence.enabled).toBe(true);
    expect(redis.args).toEqual(['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory', values.redis.maxmemory, '--maxmemory-policy', 'noeviction']);
    expect(one('Deployment', 'tokenpak-redis').spec.template.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'tokenpak-redis-data' } }]);
    expect(one('PersistentVolumeClaim', 'tokenpak-redis-data').spec.resources.requests.storage).toBe(values.redis.persistence.size);
    // The chart's proxy.yaml is values.config plus what the pod needs (see values.yaml).
    const { server: _server, usage: _usage, pricing: _pricing, state: _state, ...written } = parse(one('ConfigMap', 'tokenpak').data['proxy.yaml']);
    expect(written).toEqual(values.config);
    expect(Object.keys(one('Secret', 'tokenpak').stringData).sort()).toEqual(Object.keys(values.secret.env).sort());
  });
});

describe('Helm chart deploy/helm/tokenpak', () => {
  it("parses, and deploys the gateway's own version", async () => {
    const chart = parse(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8'));
    const packageJson = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'tokenpak', type: 'application', appVersion: packageJson.version });
    expect(parse(await readFile(path.join(chartDir, 'values.yaml'), 'utf8'))).toMatchObject({ replicaCount: 1, redis: { enabled: false } });
  });

  it('has templates whose actions and blocks are balanced, whose includes are defined and whose .Values paths exist', async () => {
    const values = parse(await readFile(path.join(chartDir, 'values.yaml'), 'utf8'));
    const templateDir = path.join(chartDir, 'templates');
    const templates = await Promise.all((await readdir(templateDir)).map(async (file) => ({ file, text: await readFile(path.join(templateDir, file), 'utf8') })));
    const actions = templates.map(({ file, text }) => ({ file, actions: templateActions(file, text) }));
    const defined = new Set(actions.flatMap(({ actions }) => actions.flatMap((action) => [...action.matchAll(/^define "([^"]+)"/g)].map((match) => match[1]))));
    const problems: string[] = [];
    for (const { file, actions: list } of actions) {
      problems.push(...unbalancedBlocks(file, list));
      for (const action of list) {
        for (const [, name] of action.matchAll(/include "([^"]+)"/g)) if (!defined.has(name)) problems.push(`${file}: include of undefined "${name}"`);
        for (const [, keyPath] of action.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
          if (!hasPath(values, keyPath!.slice(1).split('.'))) problems.push(`${file}: .Values${keyPath} is not in values.yaml`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(templates.map(({ file }) => file).sort()).toEqual(
      ['NOTES.txt', '_helpers.tpl', 'configmap.yaml', 'deployment.yaml', 'hpa.yaml', 'pvc.yaml', 'redis.yaml', 'secret.yaml', 'service.yaml'],
    );
  });
});

/** The text inside each `{{ ... }}`, trim markers and comments removed; throws on an action left open. */
function templateActions(file: string, text: string): string[] {
  const actions: string[] = [];
  let at = 0;
  for (let open = text.indexOf('{{', at); open >= 0; open = text.indexOf('{{', at)) {
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`${file}: "{{" at offset ${open} is never closed`);
    const action = text.slice(open + 2, close).replace(/^-\s*/, '').replace(/\s*-$/, '').trim();
    if (!action.startsWith('/*')) actions.push(action);
    at = close + 2;
  }
  return actions;
}

function unbalancedBlocks(file: string, actions: string[]): string[] {
  const open: string[] = [];
  for (const action of actions) {
    const keyword = /^(if|range|with|define|block|else|end)\b/.exec(action)?.[1];
    if (keyword === 'end') {
      if (open.pop() === undefined) return [`${file}: an {{ end }} closes nothing`];
    } else if (keyword === 'else') {
      if (open.length === 0) return [`${file}: {{ ${action} }} outside a block`];
    } else if (keyword) open.push(keyword);
  }
  return open.length === 0 ? [] : [`${file}: ${open.join(', ')} never closed`];
}

function hasPath(tree: unknown, keys: string[]): boolean {
  let node = tree;
  for (const key of keys) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

async function tokenpakCheck(proxyYaml: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const config = path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-k8s-')), 'proxy.yaml');
  await writeFile(config, proxyYaml);
  const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'check', '--config', config], { env: { PATH: process.env.PATH, ...env } });
  let stderr = '';
  child.stderr.on('data', (data) => (stderr += data));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stderr };
}
