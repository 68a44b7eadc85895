{{/* Release-scoped name of a component: <release>-gridex-<component>, cut to 63 characters. */}}
{{- define "gridex.name" -}}
{{- printf "%s-gridex-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gridex.selectorLabels" -}}
app.kubernetes.io/name: gridex
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gridex.labels" -}}
{{ include "gridex.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* A service's image: <registry>/<repository>-<service>:<tag or appVersion>. */}}
{{- define "gridex.image" -}}
{{- $image := .root.Values.image -}}
{{- printf "%s/%s-%s:%s" $image.registry $image.repository .service (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{/* The services that run as Deployments, in a stable order: name → settings merged over defaults. */}}
{{- define "gridex.services" -}}
{{- $out := dict -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}
{{- $_ := set $out $name (mergeOverwrite (deepCopy $.Values.defaults) $svc) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Environment every service shares: Kafka, PostgreSQL (from its Secret), logging, the pod's address. */}}
{{- define "gridex.commonEnv" -}}
- name: HTTP_HOST
  value: "0.0.0.0"
- name: KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.postgresql.existingSecret }}
      key: {{ .Values.postgresql.urlKey }}
- name: DATABASE_POOL_SIZE
  value: {{ .Values.postgresql.poolSize | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{- define "gridex.probes" -}}
startupProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}
