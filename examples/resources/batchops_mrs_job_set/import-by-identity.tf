# Every job of the cluster; the jobs' names become the keys of `jobs`.
import {
  to = batchops_mrs_job_set.nightly
  identity = {
    cluster_id = "a1b2c3d4-5678-90ab-cdef-1234567890ab"
  }
}
