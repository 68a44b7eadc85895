/**
 * Which images may run: only those from the configured registries. A reference without a registry host
 * (`ubuntu:22.04`) means Docker Hub (`docker.io`), as container runtimes read it, so allowing `docker.io` is an
 * explicit choice.
 */
export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  // Only a first component with a dot, a colon (port) or "localhost" is a registry host.
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** Undefined when the image may run, else the reason it may not. */
export function imageRefusal(image: string, allowedRegistries: readonly string[]): string | undefined {
  if (!/^[a-z0-9][a-z0-9._:/@-]*$/i.test(image) || image.includes('..')) {
    return `image reference ${JSON.stringify(image)} is malformed`;
  }
  const registry = imageRegistry(image);
  return allowedRegistries.includes(registry)
    ? undefined
    : `image registry ${registry} is not allowed (allowed: ${allowedRegistries.join(', ')})`;
}
