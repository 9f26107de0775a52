# "cluster_id/job_id,job_id,...": the jobs' names become the keys of `jobs`.
import {
  to = batchops_mrs_job_set.nightly
  id = "a1b2c3d4-5678-90ab-cdef-1234567890ab/3c0e2a5f-0d3e-4b8a-9f1a-2f6c0b1d4e5f,7d9a1b2c-3e4f-5a6b-7c8d-9e0f1a2b3c4d"
}
