# A nightly pipeline: a word count, a Spark job and a Hive query on one cluster. Changing one
# job replaces only that job; removing one kills it if it runs and deletes it.
resource "batchops_mrs_job_set" "nightly" {
  cluster_id = "a1b2c3d4-5678-90ab-cdef-1234567890ab"

  jobs = {
    wordcount = {
      type      = "MapReduce"
      arguments = ["obs://my-bucket/program/hadoop-mapreduce-examples.jar", "wordcount", "obs://my-bucket/input/", "obs://my-bucket/output/"]
    }
    pi = {
      type       = "SparkSubmit"
      arguments  = ["--class", "org.apache.spark.examples.SparkPi", "--master", "yarn", "obs://my-bucket/program/spark-examples.jar", "1000"]
      properties = { "spark.executor.memory" = "2g" }
    }
    daily-report = {
      type      = "HiveSql"
      arguments = ["SELECT count(*) FROM events"]
    }
  }

  wait_for_completion = true
  kill_on_destroy     = true
  timeouts = {
    create = "2h"
  }
}
