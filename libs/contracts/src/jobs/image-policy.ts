/** A container image reference as Gridex accepts one (letters, digits and `. _ : / @ -`, no `..`). */
export const IMAGE_REFERENCE = /^(?!.*\.\.)[a-z0-9][a-z0-9._:/@-]*$/i;

/** A registry host as configured (`registry.gridex.io`, `localhost:5000`). */
export const REGISTRY_HOST = /^[a-z0-9.-]+(:\d+)?$/;

/**
 * Which images may run: only those from the configured registries (the gateway refuses others at submission,
 * the orchestrator again before it runs anything). A reference without a registry host
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
  if (!IMAGE_REFERENCE.test(image)) {
    return `image reference ${JSON.stringify(image)} is malformed`;
  }
  const registry = imageRegistry(image);
  return allowedRegistries.includes(registry)
    ? undefined
    : `image registry ${registry} is not allowed (allowed: ${allowedRegistries.join(', ')})`;
}
