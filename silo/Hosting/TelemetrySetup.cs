using DriftFabric.Grains.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DriftFabric.Silo.Hosting;

/// <summary>
/// OpenTelemetry for the silo: the fabric's meter and Orleans' own, a Prometheus scrape endpoint
/// (<c>/metrics</c>), traces of the fabric and of Orleans grain calls; OTLP export of both when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the standard <c>OTEL_EXPORTER_OTLP_*</c>
/// settings: protocol, headers, timeout).
/// </summary>
public static class TelemetrySetup
{
    public const string OrleansMeter = "Microsoft.Orleans";
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static IServiceCollection AddDriftFabricTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 };
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("driftfabric-silo"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FabricMetrics.MeterName, OrleansMeter).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(FabricTracing.SourceName).AddSource(OrleansSources);
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }
}
