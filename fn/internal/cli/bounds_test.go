package cli

import (
	"strings"
	"testing"
)

// TestReplicaBound: an input whose controller asks for more replicas than
// the proof places is refused at once, naming the field and the bound,
// rather than simulated for minutes.
func TestReplicaBound(t *testing.T) {
	in := strings.Replace(malformedBase, "replicas: 2", "replicas: 100000", 1)
	out, stderr, code := run(t, in, nil, "-")
	if code != 1 || out != "" || !strings.Contains(stderr, "`spec.replicas` must be at most 100 for the proof to place them, got 100000") {
		t.Fatalf("want exit 1 naming `spec.replicas` and the bound, got %d:\n%s", code, stderr)
	}
	if _, stderr, code := run(t, strings.Replace(in, "100000", "100", 1), nil, "--set", "podAntiAffinity.type=Required", "-"); code != 0 {
		t.Fatalf("100 replicas must be placed, got exit %d:\n%s", code, stderr)
	}
}
