// Package hpcpack emulates the Microsoft HPC Pack SOA web service (the REST
// interface under /WindowsHPC/...), following shared/specs/hpc-soa-api.md:
// both URI forms (before HPC Pack 2016 with a cluster segment, HPC Pack 2016
// without), HTTP Basic authentication, the api-version rules, the
// HpcWebServiceFault body in XML or JSON, DataContract XML (member order
// enforced) and JSON session bodies, streamed SOAP 1.2 request and response
// arrays, the generic-service text format, and a deterministic "echo service"
// whose workers answer requests on an injected clock.
//
// Service implements http.Handler and the emulator.Service interface (Name,
// WriteFault). README.md in this directory lists the routes, the rules and
// every choice made where the spec only infers ([I]) the real behaviour.
package hpcpack
