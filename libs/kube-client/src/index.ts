export * from './keep-alive-kube-config';
