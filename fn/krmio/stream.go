package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Stream is a multi-document YAML stream of resources (manifest files, or
// what kustomize feeds a transformer plugin), kept as the text it came in.
type Stream struct {
	Items []*Item
	container
}

// ParseStream splits a YAML stream into its documents. Documents that hold
// no mapping (empty ones, comments only) are kept as text but are not items.
// path names the source in results and errors; firstIndex numbers the
// stream's first item, so that items of several files number on.
func ParseStream(data []byte, path string, firstIndex int) (*Stream, error) {
	s := &Stream{}
	at := 0 // start of the current document's text
	flush := func(end int) error {
		doc := data[at:end]
		start, stop, kind, apiVersion, err := scanDocument(doc)
		if errors.Is(err, errLayout) {
			// Let yaml.v3 judge it: the item is decoded now instead of later.
			it := &Item{raw: doc, seqIndent: -1, Index: firstIndex + len(s.Items), Path: path}
			n, err := it.Node()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			it.kind, it.apiVersion = scalarAt(n, "kind"), scalarAt(n, "apiVersion")
			s.Items = append(s.Items, it)
			s.parts = append(s.parts, part{item: it})
			return nil
		}
		if start < 0 {
			s.parts = append(s.parts, part{lit: doc})
			return nil
		}
		it := &Item{raw: doc[:stop], seqIndent: -1, Index: firstIndex + len(s.Items), Path: path, kind: kind, apiVersion: apiVersion}
		s.Items = append(s.Items, it)
		s.parts = append(s.parts, part{item: it}, part{lit: doc[stop:]})
		return nil
	}
	for off := 0; off < len(data); {
		l, _ := cutLine(data[off:])
		next := min(off+len(l)+1, len(data))
		if isMarker(l, "---") || isMarker(l, "...") {
			if err := flush(off); err != nil {
				return nil, err
			}
			rest := bytes.TrimSpace(l[3:])
			if len(rest) > 0 && rest[0] != '#' {
				// Content on the marker line ("--- !tag", "--- {}"): decode all.
				return decodeStream(data, path, firstIndex)
			}
			s.parts = append(s.parts, part{lit: data[off:next]})
			at = next
		}
		off = next
	}
	if err := flush(len(data)); err != nil {
		return nil, err
	}
	s.adopt(&s.Items)
	return s, nil
}

// scanDocument finds where a document's resource ends (after its last
// content line; comments before the first key belong to it), and reads its
// kind and apiVersion. start is -1 when the document holds no node.
func scanDocument(doc []byte) (start, stop int, kind, apiVersion string, err error) {
	lx := newLexer()
	start = -1
	for off := 0; off < len(doc); {
		l, _ := cutLine(doc[off:])
		next := min(off+len(l)+1, len(doc))
		info, ok := lx.line(l)
		if !ok {
			return 0, 0, "", "", errLayout
		}
		if info.kind != lineTrivia {
			if start < 0 {
				start = off
				if info.key == "" || info.indent != 0 {
					return 0, 0, "", "", errLayout // not a block mapping
				}
			}
			stop = next
		}
		if info.kind == lineNode && info.indent == 0 {
			if info.dash || info.key == "" {
				return 0, 0, "", "", errLayout
			}
			switch info.key {
			case "kind":
				kind = info.value
			case "apiVersion":
				apiVersion = info.value
			}
		}
		off = next
	}
	if lx.quote != 0 || lx.flow > 0 {
		return 0, 0, "", "", errLayout
	}
	return start, stop, kind, apiVersion, nil
}

// decodeStream reads a stream with yaml.v3's decoder, for layouts the lexer
// does not handle.
func decodeStream(data []byte, path string, firstIndex int) (*Stream, error) {
	s := &Stream{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			s.adopt(&s.Items)
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		raw, err := encodeNode(&doc, true)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(s.parts) > 0 {
			s.parts = append(s.parts, part{lit: []byte("---\n")})
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			s.parts = append(s.parts, part{lit: raw})
			continue
		}
		n := doc.Content[0]
		it := &Item{raw: raw, seqIndent: -1, Index: firstIndex + len(s.Items), Path: path,
			root: &doc, node: n, kind: scalarAt(n, "kind"), apiVersion: scalarAt(n, "apiVersion")}
		s.Items = append(s.Items, it)
		s.parts = append(s.parts, part{item: it})
	}
}

// Write writes the stream with changed items re-encoded in place.
func (s *Stream) Write(w io.Writer) error { return writeParts(w, s.parts, nil) }
