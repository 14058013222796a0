{{- define "lpe.name" -}}{{ .Release.Name }}-lpe{{- end -}}
{{- define "lpe.labels" -}}
app.kubernetes.io/name: lpe
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
