package hpcpack

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// StartInfo is a WebSessionStartInfo as the emulator received it, without
// the password (which is only checked, never stored). Nullable members are
// pointers (nil: absent or i:nil); strings are "" when absent or nil.
type StartInfo struct {
	AdminJobForHostInDiag              bool
	AllocationGrowLoadRatioThreshold   *int
	AllocationShrinkLoadRatioThreshold *int
	CanPreempt                         *bool
	ClientConnectionTimeout            *int
	ClientIdleTimeout                  *int
	DiagnosticBrokerNode               string
	Environments                       map[string]string // nil when absent or nil
	ExtendedPriority                   *int
	JobTemplate                        string
	MaxMessageSize                     int
	MaxUnits                           *int
	MessagesThrottleStartThreshold     *int
	MessagesThrottleStopThreshold      *int
	MinUnits                           *int
	NodeGroupsStr                      string
	Priority                           *int
	RequestedNodesStr                  string
	ResourceUnitType                   *int
	Runtime                            int
	ServiceJobName                     string
	ServiceJobProject                  string
	ServiceName                        string
	ServiceOperationTimeout            *int
	ServiceVersion                     string // "" when absent or nil; else as System.Version.ToString
	SessionIdleTimeout                 *int
	ShareSession                       bool
	UseSessionPool                     bool
	Username                           string
}

type memberKind int

const (
	kBool    memberKind = iota // bool
	kNBool                     // bool?
	kInt                       // int
	kNInt                      // int?
	kString                    // string (nullable)
	kDict                      // Dictionary<string,string> (nullable)
	kVersion                   // System.Version (nullable)
)

// startInfoMembers are the WebSessionStartInfo data members in DataContract
// (ordinal alphabetical) order, spec §2.3.
var startInfoMembers = []struct {
	name string
	kind memberKind
}{
	{"AdminJobForHostInDiag", kBool},
	{"AllocationGrowLoadRatioThreshold", kNInt},
	{"AllocationShrinkLoadRatioThreshold", kNInt},
	{"CanPreempt", kNBool},
	{"ClientConnectionTimeout", kNInt},
	{"ClientIdleTimeout", kNInt},
	{"DiagnosticBrokerNode", kString},
	{"Environments", kDict},
	{"ExtendedPriority", kNInt},
	{"JobTemplate", kString},
	{"MaxMessageSize", kNInt},
	{"MaxUnits", kNInt},
	{"MessagesThrottleStartThreshold", kNInt},
	{"MessagesThrottleStopThreshold", kNInt},
	{"MinUnits", kNInt},
	{"NodeGroupsStr", kString},
	{"Password", kString},
	{"Priority", kNInt},
	{"RequestedNodesStr", kString},
	{"ResourceUnitType", kNInt},
	{"Runtime", kInt},
	{"ServiceJobName", kString},
	{"ServiceJobProject", kString},
	{"ServiceName", kString},
	{"ServiceOperationTimeout", kNInt},
	{"ServiceVersion", kVersion},
	{"SessionIdleTimeout", kNInt},
	{"ShareSession", kBool},
	{"UseSessionPool", kBool},
	{"Username", kString},
}

// requiredMembers must be present and not nil (spec §2.3 [C]).
var requiredMembers = []string{"MaxMessageSize", "Password", "Runtime", "ServiceName", "Username"}

func memberIndex(name string) int {
	for i, m := range startInfoMembers {
		if m.name == name {
			return i
		}
	}
	return -1
}

// pval is one parsed member value.
type pval struct {
	isNil bool
	b     bool
	n     int
	s     string
	env   [][2]string
	ver   version
}

func memberError(member, format string, args ...any) *apiError {
	return newFault(http.StatusBadRequest, CodeArgumentError,
		"WebSessionStartInfo."+member+": "+fmt.Sprintf(format, args...), "Member", member)
}

// parseStartInfoXML reads a DataContract WebSessionStartInfo with a
// streaming decoder, enforcing the member order: a member out of order or
// repeated, and an element that is not a member, are 400 ArgumentError
// naming it [I: DataContractSerializer would drop them silently].
func parseStartInfoXML(r io.Reader) (map[string]pval, *apiError) {
	dec := xml.NewDecoder(r)
	malformed := func(err error) *apiError {
		return argError("The request body is not a valid WebSessionStartInfo XML document: %v.", err)
	}
	root, err := nextStart(dec)
	if err != nil {
		return nil, malformed(err)
	}
	if root.Name.Local != "WebSessionStartInfo" || root.Name.Space != nsHPCSlash {
		return nil, argError("The root element must be WebSessionStartInfo in namespace %s, got %s.", nsHPCSlash, qname(root.Name))
	}
	vals := map[string]pval{}
	last := -1
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsHPCSlash {
				return nil, newFault(http.StatusBadRequest, CodeArgumentError,
					fmt.Sprintf("The element %s is not a member of WebSessionStartInfo (members are in namespace %s).", qname(t.Name), nsHPCSlash),
					"Member", t.Name.Local)
			}
			idx := memberIndex(t.Name.Local)
			if idx < 0 {
				return nil, newFault(http.StatusBadRequest, CodeArgumentError,
					"The element "+t.Name.Local+" is not a member of WebSessionStartInfo.", "Member", t.Name.Local)
			}
			if idx == last {
				return nil, memberError(t.Name.Local, "the element appears more than once.")
			}
			if idx < last {
				return nil, memberError(t.Name.Local,
					"the element is out of order: WebSessionStartInfo members must appear in alphabetical (DataContract) order, so %s must come before %s.",
					t.Name.Local, startInfoMembers[last].name)
			}
			last = idx
			v, e := readMemberXML(dec, t, startInfoMembers[idx].name, startInfoMembers[idx].kind)
			if e != nil {
				return nil, e
			}
			vals[t.Name.Local] = v
		case xml.EndElement:
			if err := expectEOF(dec); err != nil {
				return nil, malformed(err)
			}
			return vals, nil
		case xml.CharData:
			if !isSpace(t) {
				return nil, argError("The WebSessionStartInfo element holds text outside its members.")
			}
		}
	}
}

func readMemberXML(dec *xml.Decoder, t xml.StartElement, name string, kind memberKind) (pval, *apiError) {
	if xmlIsNil(t) {
		if kind == kBool || kind == kInt {
			return pval{}, memberError(name, "the member is not nullable.")
		}
		if err := dec.Skip(); err != nil {
			return pval{}, argError("The request body is not valid XML: %v.", err)
		}
		return pval{isNil: true}, nil
	}
	switch kind {
	case kBool, kNBool:
		s, err := readText(dec)
		if err != nil {
			return pval{}, memberError(name, "%v.", err)
		}
		switch strings.TrimSpace(s) {
		case "true", "1":
			return pval{b: true}, nil
		case "false", "0":
			return pval{b: false}, nil
		}
		return pval{}, memberError(name, "'%s' is not a boolean (true or false).", s)
	case kInt, kNInt:
		s, err := readText(dec)
		if err != nil {
			return pval{}, memberError(name, "%v.", err)
		}
		n, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if perr != nil {
			return pval{}, memberError(name, "'%s' is not a 32-bit integer.", s)
		}
		return pval{n: int(n)}, nil
	case kString:
		s, err := readText(dec)
		if err != nil {
			return pval{}, memberError(name, "%v.", err)
		}
		return pval{s: s}, nil
	case kDict:
		return readDictXML(dec, name)
	case kVersion:
		return readVersionXML(dec, name)
	}
	return pval{}, memberError(name, "unsupported member.")
}

// readDictXML reads a DataContract Dictionary<string,string>:
// a:KeyValueOfstringstring items with a:Key then a:Value (Arrays ns).
func readDictXML(dec *xml.Decoder, name string) (pval, *apiError) {
	v := pval{env: [][2]string{}}
	for {
		tok, err := dec.Token()
		if err != nil {
			return pval{}, argError("The request body is not valid XML: %v.", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsArrays || t.Name.Local != "KeyValueOfstringstring" {
				return pval{}, memberError(name, "unexpected element %s; items must be KeyValueOfstringstring in namespace %s.", qname(t.Name), nsArrays)
			}
			var key, val string
			var haveKey, haveVal bool
		item:
			for {
				tok, err := dec.Token()
				if err != nil {
					return pval{}, argError("The request body is not valid XML: %v.", err)
				}
				switch it := tok.(type) {
				case xml.StartElement:
					if it.Name.Space != nsArrays || (it.Name.Local != "Key" && it.Name.Local != "Value") {
						return pval{}, memberError(name, "unexpected element %s in KeyValueOfstringstring; expected Key then Value in namespace %s.", qname(it.Name), nsArrays)
					}
					if it.Name.Local == "Key" {
						if haveKey || haveVal {
							return pval{}, memberError(name, "Key must come first, once, in each KeyValueOfstringstring.")
						}
						if xmlIsNil(it) {
							return pval{}, memberError(name, "a dictionary key must not be nil.")
						}
						if key, err = readText(dec); err != nil {
							return pval{}, memberError(name, "Key %v.", err)
						}
						haveKey = true
					} else {
						if !haveKey || haveVal {
							return pval{}, memberError(name, "Value must follow Key, once, in each KeyValueOfstringstring.")
						}
						if xmlIsNil(it) {
							_ = dec.Skip()
						} else if val, err = readText(dec); err != nil {
							return pval{}, memberError(name, "Value %v.", err)
						}
						haveVal = true
					}
				case xml.EndElement:
					break item
				case xml.CharData:
					if !isSpace(it) {
						return pval{}, memberError(name, "unexpected text in KeyValueOfstringstring.")
					}
				}
			}
			if !haveKey || !haveVal {
				return pval{}, memberError(name, "each KeyValueOfstringstring needs a Key and a Value.")
			}
			v.env = append(v.env, [2]string{key, val})
		case xml.EndElement:
			return v, nil
		case xml.CharData:
			if !isSpace(t) {
				return pval{}, memberError(name, "unexpected text; expected KeyValueOfstringstring items.")
			}
		}
	}
}

// readVersionXML reads a System.Version: _Build, _Major, _Minor, _Revision
// (System ns), in that (alphabetical) order; _Major and _Minor required,
// _Build and _Revision default to -1.
func readVersionXML(dec *xml.Decoder, name string) (pval, *apiError) {
	order := []string{"_Build", "_Major", "_Minor", "_Revision"}
	got := map[string]int{}
	last := -1
	for {
		tok, err := dec.Token()
		if err != nil {
			return pval{}, argError("The request body is not valid XML: %v.", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			idx := -1
			for i, o := range order {
				if t.Name.Local == o && t.Name.Space == nsSystem {
					idx = i
				}
			}
			if idx < 0 {
				return pval{}, memberError(name, "unexpected element %s; a System.Version has _Build, _Major, _Minor, _Revision in namespace %s.", qname(t.Name), nsSystem)
			}
			if idx <= last {
				return pval{}, memberError(name, "%s is out of order or repeated; the order is _Build, _Major, _Minor, _Revision.", t.Name.Local)
			}
			last = idx
			s, err := readText(dec)
			if err != nil {
				return pval{}, memberError(name, "%s %v.", t.Name.Local, err)
			}
			n, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
			if perr != nil {
				return pval{}, memberError(name, "%s: '%s' is not an integer.", t.Name.Local, s)
			}
			got[t.Name.Local] = int(n)
		case xml.EndElement:
			ma, okMa := got["_Major"]
			mi, okMi := got["_Minor"]
			if !okMa || !okMi {
				return pval{}, memberError(name, "_Major and _Minor are required.")
			}
			v := version{major: ma, minor: mi, build: -1, revision: -1}
			if b, ok := got["_Build"]; ok {
				v.build = b
			}
			if r, ok := got["_Revision"]; ok {
				v.revision = r
			}
			if err := v.valid(); err != nil {
				return pval{}, memberError(name, "%v.", err)
			}
			return pval{ver: v}, nil
		case xml.CharData:
			if !isSpace(t) {
				return pval{}, memberError(name, "unexpected text; expected _Build, _Major, _Minor, _Revision.")
			}
		}
	}
}

// parseStartInfoJSON reads the JSON form: a flat object with the member
// names (case-sensitive, any order); Environments as [{"Key":..,"Value":..}];
// ServiceVersion as a string such as "1.0", an object with _Major, _Minor,
// _Build, _Revision, or null.
func parseStartInfoJSON(r io.Reader) (map[string]pval, *apiError) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, argError("The request body is not a valid WebSessionStartInfo JSON object: %v.", err)
	}
	if obj == nil {
		return nil, argError("The request body must be a WebSessionStartInfo JSON object.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, argError("The request body holds data after the WebSessionStartInfo JSON object.")
	}
	vals := map[string]pval{}
	for k, raw := range obj {
		if k == "__type" {
			continue
		}
		idx := memberIndex(k)
		if idx < 0 {
			return nil, newFault(http.StatusBadRequest, CodeArgumentError,
				"The property "+k+" is not a member of WebSessionStartInfo (names are case-sensitive).", "Member", k)
		}
		kind := startInfoMembers[idx].kind
		if string(bytes.TrimSpace(raw)) == "null" {
			if kind == kBool || kind == kInt {
				return nil, memberError(k, "the member is not nullable.")
			}
			vals[k] = pval{isNil: true}
			continue
		}
		v, e := readMemberJSON(k, kind, raw)
		if e != nil {
			return nil, e
		}
		vals[k] = v
	}
	return vals, nil
}

func readMemberJSON(name string, kind memberKind, raw json.RawMessage) (pval, *apiError) {
	switch kind {
	case kBool, kNBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return pval{}, memberError(name, "%s is not a boolean.", raw)
		}
		return pval{b: b}, nil
	case kInt, kNInt:
		n, err := jsonInt(raw)
		if err != nil {
			return pval{}, memberError(name, "%s is not a 32-bit integer.", raw)
		}
		return pval{n: n}, nil
	case kString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return pval{}, memberError(name, "%s is not a string.", raw)
		}
		return pval{s: s}, nil
	case kDict:
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return pval{}, memberError(name, `must be an array of {"Key":"..","Value":".."} objects (the DataContractJsonSerializer dictionary form).`)
		}
		v := pval{env: [][2]string{}}
		for i, it := range items {
			var key, val *string
			for f, fv := range it {
				switch f {
				case "Key":
					if err := json.Unmarshal(fv, &key); err != nil || key == nil {
						return pval{}, memberError(name, "item %d: Key must be a string.", i)
					}
				case "Value":
					if err := json.Unmarshal(fv, &val); err != nil {
						return pval{}, memberError(name, "item %d: Value must be a string or null.", i)
					}
				default:
					return pval{}, memberError(name, "item %d: unknown property %s; items are {\"Key\":..,\"Value\":..}.", i, f)
				}
			}
			if key == nil {
				return pval{}, memberError(name, "item %d: Key is required.", i)
			}
			s := ""
			if val != nil {
				s = *val
			}
			v.env = append(v.env, [2]string{*key, s})
		}
		return v, nil
	case kVersion:
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			ver, perr := parseVersion(s)
			if perr != nil {
				return pval{}, memberError(name, "%v.", perr)
			}
			return pval{ver: ver}, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return pval{}, memberError(name, `must be a version string such as "1.0", an object {"_Major":1,"_Minor":0,"_Build":-1,"_Revision":-1}, or null.`)
		}
		ver := version{build: -1, revision: -1}
		seen := map[string]bool{}
		for f, fv := range obj {
			n, err := jsonInt(fv)
			if err != nil {
				return pval{}, memberError(name, "%s must be an integer.", f)
			}
			switch f {
			case "_Major":
				ver.major = n
			case "_Minor":
				ver.minor = n
			case "_Build":
				ver.build = n
			case "_Revision":
				ver.revision = n
			default:
				return pval{}, memberError(name, "unknown property %s.", f)
			}
			seen[f] = true
		}
		if !seen["_Major"] || !seen["_Minor"] {
			return pval{}, memberError(name, "_Major and _Minor are required.")
		}
		if err := ver.valid(); err != nil {
			return pval{}, memberError(name, "%v.", err)
		}
		return pval{ver: ver}, nil
	}
	return pval{}, memberError(name, "unsupported member.")
}

func jsonInt(raw json.RawMessage) (int, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] == '"' {
		return 0, errors.New("not a JSON number")
	}
	var num json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&num); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(num.String(), 10, 32)
	return int(n), err
}

// buildStartInfo validates the parsed members (README.md, "Create
// Session") and returns the StartInfo and the password.
func buildStartInfo(vals map[string]pval) (StartInfo, string, *apiError) {
	for _, m := range requiredMembers {
		if v, ok := vals[m]; !ok || v.isNil {
			return StartInfo{}, "", memberError(m, "the member is required.")
		}
	}
	var si StartInfo
	nint := func(name string) *int {
		if v, ok := vals[name]; ok && !v.isNil {
			n := v.n
			return &n
		}
		return nil
	}
	str := func(name string) string { return vals[name].s }
	si.AdminJobForHostInDiag = vals["AdminJobForHostInDiag"].b
	si.AllocationGrowLoadRatioThreshold = nint("AllocationGrowLoadRatioThreshold")
	si.AllocationShrinkLoadRatioThreshold = nint("AllocationShrinkLoadRatioThreshold")
	if v, ok := vals["CanPreempt"]; ok && !v.isNil {
		b := v.b
		si.CanPreempt = &b
	}
	si.ClientConnectionTimeout = nint("ClientConnectionTimeout")
	si.ClientIdleTimeout = nint("ClientIdleTimeout")
	si.DiagnosticBrokerNode = str("DiagnosticBrokerNode")
	if v, ok := vals["Environments"]; ok && !v.isNil {
		si.Environments = map[string]string{}
		for _, kv := range v.env {
			if kv[0] == "" {
				return StartInfo{}, "", memberError("Environments", "an environment variable name must not be empty.")
			}
			if _, dup := si.Environments[kv[0]]; dup {
				return StartInfo{}, "", memberError("Environments", "the key %s appears more than once.", kv[0])
			}
			si.Environments[kv[0]] = kv[1]
		}
	}
	si.ExtendedPriority = nint("ExtendedPriority")
	si.JobTemplate = str("JobTemplate")
	si.MaxMessageSize = vals["MaxMessageSize"].n
	si.MaxUnits = nint("MaxUnits")
	si.MessagesThrottleStartThreshold = nint("MessagesThrottleStartThreshold")
	si.MessagesThrottleStopThreshold = nint("MessagesThrottleStopThreshold")
	si.MinUnits = nint("MinUnits")
	si.NodeGroupsStr = str("NodeGroupsStr")
	password := str("Password")
	si.Priority = nint("Priority")
	si.RequestedNodesStr = str("RequestedNodesStr")
	si.ResourceUnitType = nint("ResourceUnitType")
	si.Runtime = vals["Runtime"].n
	si.ServiceJobName = str("ServiceJobName")
	si.ServiceJobProject = str("ServiceJobProject")
	si.ServiceName = str("ServiceName")
	si.ServiceOperationTimeout = nint("ServiceOperationTimeout")
	if v, ok := vals["ServiceVersion"]; ok && !v.isNil {
		si.ServiceVersion = v.ver.String()
	}
	si.SessionIdleTimeout = nint("SessionIdleTimeout")
	si.ShareSession = vals["ShareSession"].b
	si.UseSessionPool = vals["UseSessionPool"].b
	si.Username = str("Username")

	switch {
	case strings.TrimSpace(si.ServiceName) == "":
		return si, "", memberError("ServiceName", "the service name must not be empty.")
	case strings.TrimSpace(si.Username) == "":
		return si, "", memberError("Username", "the user name must not be empty.")
	case utf8.RuneCountInString(si.Username) > 80:
		return si, "", memberError("Username", "the user name is longer than 80 characters.")
	case utf8.RuneCountInString(si.ServiceJobName) > 80:
		// A job name is limited to 80 Unicode characters (ISchedulerJob.Name).
		return si, "", memberError("ServiceJobName", "the job name is longer than 80 characters.")
	case utf8.RuneCountInString(password) > 127:
		return si, "", memberError("Password", "the password is longer than 127 characters.")
	case si.MaxMessageSize <= 0:
		return si, "", memberError("MaxMessageSize", "must be positive, got %d.", si.MaxMessageSize)
	case si.Runtime != -1 && si.Runtime <= 0:
		return si, "", memberError("Runtime", "must be -1 (unlimited) or a positive number of seconds, got %d.", si.Runtime)
	}
	checks := []struct {
		name     string
		v        *int
		min, max int
	}{
		{"AllocationGrowLoadRatioThreshold", si.AllocationGrowLoadRatioThreshold, 1, 1 << 31},
		{"AllocationShrinkLoadRatioThreshold", si.AllocationShrinkLoadRatioThreshold, 1, 1 << 31},
		{"ClientConnectionTimeout", si.ClientConnectionTimeout, 0, 1 << 31},
		{"ClientIdleTimeout", si.ClientIdleTimeout, 0, 1 << 31},
		{"ExtendedPriority", si.ExtendedPriority, 0, 4000},
		{"MaxUnits", si.MaxUnits, 1, 1 << 31},
		{"MessagesThrottleStartThreshold", si.MessagesThrottleStartThreshold, 1, 1 << 31},
		{"MessagesThrottleStopThreshold", si.MessagesThrottleStopThreshold, 0, 1 << 31},
		{"MinUnits", si.MinUnits, 1, 1 << 31},
		{"Priority", si.Priority, 0, 4},
		{"ResourceUnitType", si.ResourceUnitType, 0, 2},
		{"ServiceOperationTimeout", si.ServiceOperationTimeout, 1, 1 << 31},
		{"SessionIdleTimeout", si.SessionIdleTimeout, 0, 1 << 31},
	}
	for _, c := range checks {
		if c.v != nil && (*c.v < c.min || *c.v > c.max) {
			return si, "", memberError(c.name, "%d is out of range (%d to %d).", *c.v, c.min, min(c.max, 1<<31-1))
		}
	}
	if si.MinUnits != nil && si.MaxUnits != nil && *si.MinUnits > *si.MaxUnits {
		return si, "", memberError("MinUnits", "MinUnits (%d) must not exceed MaxUnits (%d).", *si.MinUnits, *si.MaxUnits)
	}
	return si, password, nil
}
