package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestBadConfigs reads each config in testdata/bad, whose `# want:` lines
// are every error it must give, in order: the field, what it must be and
// the value the user wrote.
func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) < 30 {
		t.Fatalf("want at least 30 bad configs, got %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(string(data), "\n") {
				if w, ok := strings.CutPrefix(line, "# want: "); ok {
					want = append(want, w)
				}
			}
			if len(want) == 0 {
				t.Fatal("the file has no `# want:` line")
			}
			_, err = Parse(data)
			errs, ok := err.(Errors)
			if !ok {
				t.Fatalf("want Errors, got %v", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Msg)
				// The result's field is the one the message starts with.
				if e.Field != "functionConfig" && e.Field != "kind" && !strings.HasPrefix(e.Msg, "`"+e.Field+"` ") {
					t.Errorf("error %q must start with its field %q", e.Msg, e.Field)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
