{{/* The chart's name, or nameOverride. */}}
{{- define "harvester-csi-driver.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The labels every object and pod carries. */}}
{{- define "harvester-csi-driver.labels" -}}
app.kubernetes.io/name: {{ include "harvester-csi-driver.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The driver's socket directory on the host. */}}
{{- define "harvester-csi-driver.socketDir" -}}
{{ .Values.kubeletRootDir }}/harvester-plugins/driver.harvesterhci.io
{{- end -}}
