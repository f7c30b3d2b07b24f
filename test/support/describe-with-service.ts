/**
 * `describe` for suites that need a real service (NATS, PostgreSQL, Redis). When it is unreachable the
 * suite is skipped with the reason in its name, except in CI (`CI=true`), where the service must be
 * there and the suite fails.
 */
export function describeWithService(service: string, where: string, reachable: boolean, name: string, body: () => void): void {
  if (reachable) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it(`needs ${service}`, () => {
        throw new Error(`${service} is unreachable at ${where} (CI=true: ${service} suites must run)`);
      });
    });
  }
  describe.skip(`${name} (skipped because ${service} is unreachable at ${where}; CI=true makes it fail instead)`, body);
}
