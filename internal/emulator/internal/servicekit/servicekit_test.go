package servicekit

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestDecodeQueryKeepsWhatDoesNotDecode(t *testing.T) {
	got := DecodeQuery("a=1&b=x%20y&a=2&&c&bad=%zz")
	want := map[string][]string{"a": {"1", "2"}, "b": {"x y"}, "c": {""}, "bad": {"%zz"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeQuery = %v, want %v", got, want)
	}
}

func TestEndpointTrimsTrailingSlash(t *testing.T) {
	var e Endpoint
	e.SetBaseURL("https://127.0.0.1:1234/")
	if got := e.BaseURL(); got != "https://127.0.0.1:1234" {
		t.Errorf("BaseURL = %q", got)
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, 201, "application/json; charset=utf-8", map[string]int{"n": 1})
	if w.Code != 201 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Body.String() != `{"n":1}` {
		t.Errorf("answer %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	w = httptest.NewRecorder()
	WriteJSON(w, 200, "application/json", func() {})
	if w.Code != 500 {
		t.Errorf("unmarshallable value answered %d", w.Code)
	}
}
