import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../process-control';

/** Files of the local cluster's certificate authority and the credentials it signs. */
export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  /** Client certificate in `system:masters`: the stack's tools, the controllers and operators use it. */
  adminCert: string;
  adminKey: string;
  /** Key pair that signs and verifies service-account tokens. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/**
 * Creates (once) a private CA for the local cluster, a serving certificate for the API server on 127.0.0.1, and
 * an administrator client certificate. Authentication is by client certificate; RBAC is on, and the admin
 * certificate's organisation `system:masters` is what grants it everything.
 */
export function ensureClusterPki(dir: string): ClusterPki {
  const file = (name: string) => path.join(dir, name);
  const pki: ClusterPki = {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiserverCert: file('apiserver.crt'),
    apiserverKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPub: file('service-account.pub'),
  };
  if (existsSync(pki.serviceAccountPub)) return pki;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });

  openssl('genrsa', '-out', pki.caKey, '2048');
  openssl(
    'req',
    '-x509',
    '-new',
    '-nodes',
    '-key',
    pki.caKey,
    '-subj',
    '/CN=gridex-local-cluster-ca',
    '-days',
    '3650',
    '-out',
    pki.caCert,
  );

  const sign = (name: string, subject: string, extensions: string[]) => {
    const key = file(`${name}.key`);
    const csr = file(`${name}.csr`);
    const ext = file(`${name}.ext`);
    writeFileSync(ext, `${extensions.join('\n')}\n`);
    openssl('genrsa', '-out', key, '2048');
    openssl('req', '-new', '-key', key, '-subj', subject, '-out', csr);
    openssl(
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      pki.caCert,
      '-CAkey',
      pki.caKey,
      '-CAcreateserial',
      '-days',
      '3650',
      '-extfile',
      ext,
      '-out',
      file(`${name}.crt`),
    );
  };
  sign('apiserver', '/CN=kube-apiserver', [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  ]);
  sign('admin', '/O=system:masters/CN=gridex-admin', [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  openssl('genrsa', '-out', pki.serviceAccountKey, '2048');
  openssl('rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub);
  return pki;
}
