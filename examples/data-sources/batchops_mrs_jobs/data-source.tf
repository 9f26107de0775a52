# The failed Spark jobs of a cluster since the start of the month.
data "batchops_mrs_jobs" "failed_spark" {
  cluster_id           = "a1b2c3d4-5678-90ab-cdef-1234567890ab"
  job_type             = "SparkSubmit"
  job_result           = "FAILED"
  submitted_time_begin = "2026-11-01T00:00:00Z"
}

output "failed_spark_jobs" {
  value = [for j in data.batchops_mrs_jobs.failed_spark.jobs : "${j.name} (${j.id})"]
}
