package yamlnode

// Field orders of the Kubernetes API types the function writes into, as the
// Go types declare them (and the API documentation lists them), so that new
// keys land where a reader expects them.
var (
	PodSpecOrder = []string{
		"volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
		"terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
		"serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
		"hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
		"imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
		"hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
		"runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
		"topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
		"resourceClaims", "resources",
	}
	DeploymentSpecOrder = []string{
		"replicas", "selector", "template", "strategy", "minReadySeconds",
		"revisionHistoryLimit", "paused", "progressDeadlineSeconds",
	}
	StatefulSetSpecOrder = []string{
		"replicas", "selector", "template", "volumeClaimTemplates", "serviceName",
		"podManagementPolicy", "updateStrategy", "revisionHistoryLimit", "minReadySeconds",
		"persistentVolumeClaimRetentionPolicy", "ordinals",
	}
	StrategyOrder      = []string{"type", "rollingUpdate"}
	RollingUpdateOrder = []string{"maxUnavailable", "maxSurge"}
	AffinityOrder      = []string{"nodeAffinity", "podAffinity", "podAntiAffinity"}
	// NodeAffinityOrder also serves pod (anti-)affinity.
	NodeAffinityOrder     = []string{"requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"}
	NodeSelectorTermOrder = []string{"matchExpressions", "matchFields"}
	PodAffinityTermOrder  = []string{"labelSelector", "namespaces", "topologyKey", "namespaceSelector", "matchLabelKeys", "mismatchLabelKeys"}
	ContainerOrder        = []string{
		"name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
		"resizePolicy", "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe",
		"readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
		"terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
	}
	ResourcesOrder    = []string{"limits", "requests", "claims"}
	ResourceNameOrder = []string{"cpu", "memory", "ephemeral-storage"}
	// TolerationOrder is the order of the Kubernetes documentation's
	// examples, not of the Go type.
	TolerationOrder = []string{"key", "operator", "value", "effect", "tolerationSeconds"}
)
