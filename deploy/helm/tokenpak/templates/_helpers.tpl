{{/* The chart's name, or nameOverride. */}}
{{- define "tokenpak.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource names: fullnameOverride, else the release name (with the chart's name unless it holds it already). */}}
{{- define "tokenpak.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tokenpak.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's pods; each component's selector adds its component, so that the gateway's never picks Redis's pods. */}}
{{- define "tokenpak.instanceLabels" -}}
app.kubernetes.io/name: {{ include "tokenpak.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tokenpak.selectorLabels" -}}
{{ include "tokenpak.instanceLabels" . }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "tokenpak.redisSelectorLabels" -}}
{{ include "tokenpak.instanceLabels" . }}
app.kubernetes.io/component: redis
{{- end -}}

{{- define "tokenpak.labels" -}}
helm.sh/chart: {{ include "tokenpak.chart" . }}
{{ include "tokenpak.instanceLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tokenpak.secretName" -}}
{{- if .Values.secret.create -}}
{{- include "tokenpak.fullname" . -}}
{{- else -}}
{{- required "secret.existingSecret is required when secret.create is false" .Values.secret.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "tokenpak.redisName" -}}
{{- printf "%s-redis" (include "tokenpak.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Whether the gateways share their state in Redis: the chart's own Redis, or config.state.backend: redis. */}}
{{- define "tokenpak.sharesState" -}}
{{- if or .Values.redis.enabled (eq (toString (dig "state" "backend" "memory" .Values.config)) "redis") -}}true{{- end -}}
{{- end -}}

{{/*
Several processes with their state in memory would each enforce every limit and budget on their own
(3 replicas x a limit of 10 RPM = 30 requests a minute): refuse to render that.
*/}}
{{- define "tokenpak.validate" -}}
{{- $workers := int (dig "server" "workers" 1 .Values.config) -}}
{{- if and (not (include "tokenpak.sharesState" .)) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled (gt $workers 1)) -}}
{{- fail "More than one replica (replicaCount > 1 or autoscaling.enabled) or config.server.workers > 1 needs shared state: set redis.enabled=true, or config.state.backend: redis with config.state.redis_url pointing at your Redis." -}}
{{- end -}}
{{- if and .Values.persistence.enabled (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) -}}
{{- fail "persistence.enabled keeps the ledger on one ReadWriteOnce volume, for one replica only: turn it off (each pod keeps its ledger in an emptyDir) or run one replica." -}}
{{- end -}}
{{- end -}}

{{/* proxy.yaml: .Values.config with what the pod needs (see values.yaml). */}}
{{- define "tokenpak.proxyConfig" -}}
{{- $config := deepCopy .Values.config -}}
{{- $server := get $config "server" | default dict -}}
{{- $_ := set $server "host" "0.0.0.0" -}}
{{- $_ := set $server "port" 8766 -}}
{{- $_ := set $config "server" $server -}}
{{- $_ := set $config "usage" (merge (get $config "usage" | default dict) (dict "db_path" "/var/lib/tokenpak/usage.db")) -}}
{{- $_ := set $config "pricing" (merge (get $config "pricing" | default dict) (dict "cache_path" "/var/lib/tokenpak/pricing.json")) -}}
{{- if .Values.redis.enabled -}}
{{- $state := get $config "state" | default dict -}}
{{- $_ := set $state "backend" "redis" -}}
{{- $_ := set $state "redis_url" (printf "redis://%s:6379" (include "tokenpak.redisName" .)) -}}
{{- $_ := set $config "state" $state -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}
