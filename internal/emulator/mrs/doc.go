// Package mrs emulates the Huawei Cloud MRS (MapReduce Service) V2 job API
// (/v2/{project_id}/clusters/{cluster_id}/job-executions...), following
// shared/specs/mrs-api.md: SDK-HMAC-SHA256 (AK/SK) request signatures rebuilt
// from the SignedHeaders list, the API Gateway and MRS error bodies
// ({"error_code":…,"error_msg":…}, plus the camelCase spelling for a missing
// cluster), job submission with the documented validation, a deterministic job
// state machine driven by an injected clock (NEW → SUBMITTED → ACCEPTED →
// RUNNING → FINISHED/FAILED/KILLED), the paged job list with its filters,
// asynchronous kill and all-or-nothing batch delete.
//
// Service implements http.Handler and the emulator.Service interface (Name,
// WriteFault). README.md in this directory lists the routes, the rules and
// every choice made where the spec only infers ([I]) or leaves open ([?]) the
// real behaviour.
package mrs
