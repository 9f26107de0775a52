# Import an existing batch by "session_id/batch_name".
terraform import batchops_hpc_soa_batch.greetings 42/greetings
