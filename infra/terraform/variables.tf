# The first six keep the names and defaults of the old notebook-processor deployment.

variable "app_name" {
  description = "Prefix of every name this creates (cluster <app_name>-cluster, services <app_name>-host and <app_name>-worker, log group /ecs/<app_name>, ECR repository <app_name>)."
  type        = string
  default     = "notebook-processor"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}$", var.app_name))
    error_message = "app_name: lower-case letters, digits and '-', 2-23 characters (the ALB and target group names add up to 9 and must stay under 32)."
  }
}

variable "environment" {
  description = "Environment name; part of the table and bucket names."
  type        = string
  default     = "production"
}

variable "aws_region" {
  description = "Region of every resource; also AWS_REGION in the containers."
  type        = string
  default     = "us-east-1"
}

variable "app_count" {
  description = "Host tasks at first deployment; autoscaling then keeps the count between host_min_count and host_max_count."
  type        = number
  default     = 2
}

variable "fargate_cpu" {
  description = "CPU units of a host task (1024 = 1 vCPU)."
  type        = number
  default     = 512
}

variable "fargate_memory" {
  description = "Memory of a host task, MiB."
  type        = number
  default     = 1024
}

# ---- network ----

variable "vpc_cidr" {
  description = "CIDR of the VPC; subnets are /24s carved from it."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Availability zones (one public subnet each, and one private subnet each when enable_private_subnets)."
  type        = number
  default     = 2
}

variable "enable_private_subnets" {
  description = "Run the tasks in private subnets behind one NAT gateway (costs an hourly NAT charge); false: public subnets with public IPs, reachable only through their security groups."
  type        = bool
  default     = false
}

# ---- host ----

variable "app_port" {
  description = "Port the host listens on (PORT in the container; the app's default is 8000)."
  type        = number
  default     = 8000
}

variable "image_tag" {
  description = "Tag of the image in the ECR repository the services run (infra/push.sh pushes the git commit and latest)."
  type        = string
  default     = "latest"
}

variable "host_min_count" {
  description = "Fewest host tasks autoscaling keeps."
  type        = number
  default     = 1
}

variable "host_max_count" {
  description = "Most host tasks autoscaling starts."
  type        = number
  default     = 4
}

variable "host_cpu_target" {
  description = "Average CPU percent the host's target tracking keeps (the alarm fires above 80)."
  type        = number
  default     = 70
}

variable "alb_idle_timeout" {
  description = "Seconds the ALB keeps an idle connection; WebSockets and server-sent events need at least 300."
  type        = number
  default     = 300

  validation {
    condition     = var.alb_idle_timeout >= 300 && var.alb_idle_timeout <= 4000
    error_message = "alb_idle_timeout must be between 300 (WebSockets and SSE go quiet for minutes) and 4000 seconds."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for an HTTPS listener on 443 (HTTP then redirects to it); empty: HTTP on 80 only."
  type        = string
  default     = ""
}

variable "allowed_origins" {
  description = "Browser origins allowed to call the API with credentials and open WebSockets (ALLOWED_ORIGINS); empty: the app's default."
  type        = list(string)
  default     = []
}

# ---- workers ----

variable "worker_count" {
  description = "Worker tasks at first deployment; autoscaling then keeps the count between worker_min_count and worker_max_count."
  type        = number
  default     = 1
}

variable "worker_min_count" {
  type    = number
  default = 1
}

variable "worker_max_count" {
  type    = number
  default = 4
}

variable "worker_cpu" {
  description = "CPU units of a worker task (tracking decodes video and runs detection)."
  type        = number
  default     = 1024
}

variable "worker_memory" {
  description = "Memory of a worker task, MiB."
  type        = number
  default     = 2048
}

variable "worker_ephemeral_storage_gib" {
  description = "Task disk of a worker, GiB (21-200): DATA_DIR holds the tracking video cache and frames."
  type        = number
  default     = 40
}

variable "worker_concurrency" {
  description = "Jobs one worker runs at once (WORKER_CONCURRENCY)."
  type        = number
  default     = 2
}

variable "worker_scaling_metric" {
  description = "What scales the workers: \"cpu\" (average CPU of the worker service) or \"queue\" (pending jobs per running worker, from the PendingJobs metric the workers publish to CloudWatch)."
  type        = string
  default     = "cpu"

  validation {
    condition     = contains(["cpu", "queue"], var.worker_scaling_metric)
    error_message = "worker_scaling_metric must be \"cpu\" or \"queue\"."
  }
}

variable "worker_cpu_target" {
  description = "Average CPU percent the workers' target tracking keeps (worker_scaling_metric = cpu)."
  type        = number
  default     = 70
}

variable "worker_queue_target_per_task" {
  description = "Pending jobs per running worker the queue target tracking keeps (worker_scaling_metric = queue)."
  type        = number
  default     = 4
}

variable "worker_stop_timeout" {
  description = "Seconds a stopping worker gets between SIGTERM and SIGKILL (Fargate allows 120 at most); it drains running jobs for all but 15 of them (WORKER_DRAIN_MS)."
  type        = number
  default     = 120

  validation {
    condition     = var.worker_stop_timeout >= 30 && var.worker_stop_timeout <= 120
    error_message = "worker_stop_timeout must be between 30 and 120 seconds (the Fargate maximum)."
  }
}

# ---- scheduled scale-down (off by default) ----

variable "scheduled_scaling_enabled" {
  description = "Scale down outside working hours and back up in the morning."
  type        = bool
  default     = false
}

variable "scale_down_schedule" {
  description = "When to scale down (Application Auto Scaling schedule expression, in schedule_timezone)."
  type        = string
  default     = "cron(0 20 ? * MON-FRI *)"
}

variable "scale_up_schedule" {
  description = "When to scale back up to the working-hours bounds."
  type        = string
  default     = "cron(0 7 ? * MON-FRI *)"
}

variable "schedule_timezone" {
  type    = string
  default = "UTC"
}

variable "off_hours_host_count" {
  description = "Host tasks outside working hours (min and max)."
  type        = number
  default     = 1
}

variable "off_hours_worker_count" {
  description = "Worker tasks outside working hours (min and max); 0 leaves queued jobs waiting until the morning."
  type        = number
  default     = 0
}

# ---- logs, alarms ----

variable "log_retention_days" {
  description = "Retention of the /ecs/<app_name> log group."
  type        = number
  default     = 30
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic every alarm notifies (alarm and OK); empty: the alarms exist but notify nobody."
  type        = string
  default     = ""
}

variable "queue_age_alarm_seconds" {
  description = "Alarm when the oldest pending job has waited longer than this (OldestPendingJobAgeSeconds, published by the workers)."
  type        = number
  default     = 900
}

# ---- data ----

variable "dynamodb_table_name" {
  description = "Name of the table; empty: <app_name>-<environment>. Set it to adopt a table restored from point-in-time backup (docs/operations.md)."
  type        = string
  default     = ""
}

variable "dynamodb_ttl_attribute" {
  description = "Item attribute (epoch seconds) after which DynamoDB deletes an item."
  type        = string
  default     = "expires_at"
}

variable "s3_noncurrent_version_days" {
  description = "Days an overwritten or deleted object version is kept before it expires."
  type        = number
  default     = 30
}

variable "ecr_keep_images" {
  description = "Tagged images the ECR lifecycle policy keeps (untagged ones go after 7 days)."
  type        = number
  default     = 20
}

# ---- secrets ----

variable "secret_parameters" {
  description = "Environment variables the containers read from SSM Parameter Store or Secrets Manager: name => parameter or secret ARN (e.g. LLM_API_KEY). Only the execution role can read them, and only these."
  type        = map(string)
  default     = {}
}
