# Host: target tracking on CPU between host_min_count and host_max_count (1-4).
# Workers: target tracking on CPU, or on pending jobs per running worker (a metric the workers
# publish), by worker_scaling_metric. Optional scheduled scale-down outside working hours.

resource "aws_appautoscaling_target" "host" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.host.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.host_min_count
  max_capacity       = var.host_max_count
}

resource "aws_appautoscaling_policy" "host_cpu" {
  name               = "${local.host_name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.host.service_namespace
  resource_id        = aws_appautoscaling_target.host.resource_id
  scalable_dimension = aws_appautoscaling_target.host.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.host_cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count
}

resource "aws_appautoscaling_policy" "worker_cpu" {
  count              = var.worker_scaling_metric == "cpu" ? 1 : 0
  name               = "${local.worker_name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.worker_cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# Backlog per worker = PendingJobs / RunningTaskCount: it falls as workers are added, which is
# what target tracking needs (a raw queue length does not).
resource "aws_appautoscaling_policy" "worker_queue" {
  count              = var.worker_scaling_metric == "queue" ? 1 : 0
  name               = "${local.worker_name}-queue"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.worker_queue_target_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      metrics {
        id          = "pending"
        label       = "Pending jobs"
        return_data = false

        metric_stat {
          stat = "Average"
          metric {
            namespace   = local.metrics_namespace
            metric_name = "PendingJobs"
            dimensions {
              name  = "Application"
              value = var.app_name
            }
          }
        }
      }

      metrics {
        id          = "workers"
        label       = "Running workers"
        return_data = false

        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.main.name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.worker.name
            }
          }
        }
      }

      metrics {
        id          = "backlog"
        label       = "Pending jobs per worker"
        expression  = "pending / workers"
        return_data = true
      }
    }
  }
}

# ---- scheduled scale-down outside working hours (scheduled_scaling_enabled, off by default) ----

resource "aws_appautoscaling_scheduled_action" "host_off_hours" {
  count              = var.scheduled_scaling_enabled ? 1 : 0
  name               = "${local.host_name}-off-hours"
  service_namespace  = aws_appautoscaling_target.host.service_namespace
  resource_id        = aws_appautoscaling_target.host.resource_id
  scalable_dimension = aws_appautoscaling_target.host.scalable_dimension
  schedule           = var.scale_down_schedule
  timezone           = var.schedule_timezone

  scalable_target_action {
    min_capacity = var.off_hours_host_count
    max_capacity = var.off_hours_host_count
  }
}

resource "aws_appautoscaling_scheduled_action" "host_working_hours" {
  count              = var.scheduled_scaling_enabled ? 1 : 0
  name               = "${local.host_name}-working-hours"
  service_namespace  = aws_appautoscaling_target.host.service_namespace
  resource_id        = aws_appautoscaling_target.host.resource_id
  scalable_dimension = aws_appautoscaling_target.host.scalable_dimension
  schedule           = var.scale_up_schedule
  timezone           = var.schedule_timezone

  scalable_target_action {
    min_capacity = var.host_min_count
    max_capacity = var.host_max_count
  }
}

resource "aws_appautoscaling_scheduled_action" "worker_off_hours" {
  count              = var.scheduled_scaling_enabled ? 1 : 0
  name               = "${local.worker_name}-off-hours"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  schedule           = var.scale_down_schedule
  timezone           = var.schedule_timezone

  scalable_target_action {
    min_capacity = var.off_hours_worker_count
    max_capacity = var.off_hours_worker_count
  }
}

resource "aws_appautoscaling_scheduled_action" "worker_working_hours" {
  count              = var.scheduled_scaling_enabled ? 1 : 0
  name               = "${local.worker_name}-working-hours"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  schedule           = var.scale_up_schedule
  timezone           = var.schedule_timezone

  scalable_target_action {
    min_capacity = var.worker_min_count
    max_capacity = var.worker_max_count
  }
}
