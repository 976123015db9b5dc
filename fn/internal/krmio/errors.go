package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// rlSource names a ResourceList in errors: the function reads it from stdin.
const rlSource = "stdin ResourceList"

// sourceName names a stream in errors.
func sourceName(path string) string {
	switch path {
	case "-":
		return "stdin"
	case "":
		return "input"
	}
	return path
}

// yamlError is a yaml.v3 error with its line numbers made those of the
// whole input, for text that yaml.v3 read from a later line.
type yamlError struct {
	msg string
	err error
}

func (e *yamlError) Error() string { return e.msg }
func (e *yamlError) Unwrap() error { return e.err }

var lineRef = regexp.MustCompile(`\bline (\d+)\b`)

// relined rewrites yaml.v3's "yaml: line N: ..." for text that starts on
// line first of the input, and drops the "yaml: " prefix: the caller names
// the source.
func relined(err error, first int) error { return relinedIn(err, nil, first) }

var unknownAnchor = regexp.MustCompile(`^unknown anchor '([^']*)' referenced`)

// relinedIn is relined for an error about text, which gives the line of an
// unknown anchor: yaml.v3 names none.
func relinedIn(err error, text []byte, first int) error {
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil && text != nil {
		if i := bytes.Index(text, []byte("*"+m[1])); i >= 0 {
			msg = fmt.Sprintf("line %d: %s", bytes.Count(text[:i], []byte("\n"))+1, msg)
		}
	}
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	if first > 1 {
		msg = lineRef.ReplaceAllStringFunc(msg, func(m string) string {
			n, _ := strconv.Atoi(m[len("line "):])
			return "line " + strconv.Itoa(n+first-1)
		})
	}
	return &yamlError{msg: msg, err: err}
}

// errLayout means the lexer met a layout it does not handle: the input is
// decoded whole with yaml.v3 instead.
var errLayout = errors.New("layout not handled by the lexer")

// dupError is a mapping key that appears twice, as yaml.v3 reports when it
// decodes the mapping into Go values.
type dupError struct {
	key         string
	first, then int // lines
}

func (e *dupError) Error() string {
	return fmt.Sprintf("mapping key %q must not repeat: defined at line %d and again at line %d", e.key, e.first, e.then)
}
