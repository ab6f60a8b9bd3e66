package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// typeErrorMessage says which field has the wrong JSON type, by its JSON path, and what it must be,
// without Go names: "motion.threshold must be a number, not a string".
func typeErrorMessage(te *json.UnmarshalTypeError) string {
	var path []string
	for _, p := range strings.Split(te.Field, ".") {
		if p == "" || unicode.IsUpper(rune(p[0])) { // a Go name: an embedded struct such as CameraSettings
			continue
		}
		path = append(path, p)
	}
	got := te.Value
	switch {
	case got == "bool":
		got = "true or false"
	case got == "array":
		got = "a list"
	case got == "object":
		got = "an object"
	case got == "null":
	case strings.HasPrefix(got, "number "):
		got = strings.TrimPrefix(got, "number ")
	default:
		got = "a " + got
	}
	return fmt.Sprintf("%s must be %s, not %s", strings.Join(path, "."), jsonKind(te.Type), got)
}

// jsonKind names the JSON value a Go type reads.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}
