package mrs

import (
	"maps"
	"slices"
	"strings"
)

// ParseArguments reads the service's rendering of a job's arguments, a Java List.toString():
// "[a, b]" gives [a b] and "[]" an empty, non-nil slice. "" gives nil.
//
// The format is lossy: elements are joined with ", " and nothing is escaped, so an argument
// that itself contains ", " (a SQL text, say) comes back split into several elements; "[a, b]"
// is both ["a", "b"] and ["a, b"]. This parser splits on every ", " (as the huaweicloud
// provider does); callers comparing with what they submitted should compare renderings
// (ParseArguments of the submitted list rendered the same way), not element by element.
// A value without the surrounding brackets is split the same way.
func ParseArguments(s string) []string {
	if s == "" {
		return nil
	}
	inner := s
	if t := strings.TrimSpace(s); len(t) >= 2 && t[0] == '[' && t[len(t)-1] == ']' {
		inner = t[1 : len(t)-1]
	}
	if inner == "" {
		return []string{}
	}
	return strings.Split(inner, ", ")
}

// ParseProperties reads the service's rendering of a job's properties, a Java Map.toString():
// "{k=v, k2=v2}" gives {k: v, k2: v2} and "{}" an empty, non-nil map. "" gives nil.
//
// Entries are split on ", " and each entry on its first '='. Like ParseArguments this is
// lossy: a piece without '=' is taken to be the rest of the previous value ("{k=a, b}" gives
// {k: "a, b"}), but a value containing ", x=y" cannot be told apart from two entries.
func ParseProperties(s string) map[string]string {
	if s == "" {
		return nil
	}
	inner := s
	if t := strings.TrimSpace(s); len(t) >= 2 && t[0] == '{' && t[len(t)-1] == '}' {
		inner = t[1 : len(t)-1]
	}
	m := map[string]string{}
	if inner == "" {
		return m
	}
	last := ""
	haveLast := false
	for _, piece := range strings.Split(inner, ", ") {
		k, v, ok := strings.Cut(piece, "=")
		if !ok {
			if haveLast {
				m[last] += ", " + piece
				continue
			}
			k, v = piece, ""
		}
		m[k] = v
		last, haveLast = k, true
	}
	return m
}

// formatArguments renders arguments the way the service does.
func formatArguments(args []string) string {
	return "[" + strings.Join(args, ", ") + "]"
}

// formatProperties renders properties the way the service does (keys sorted; Java's HashMap
// order differs, which ParseProperties does not care about).
func formatProperties(props map[string]string) string {
	keys := slices.Sorted(maps.Keys(props))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + props[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
