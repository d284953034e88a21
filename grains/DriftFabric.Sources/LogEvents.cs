namespace DriftFabric.Sources;

/// <summary>
/// Every log event id of the fabric, in one place so none is used twice (a test checks each
/// <c>[LoggerMessage]</c> of the grains and the silo takes its id from here, once). The
/// thousands name the room: 1 services, 2 clusters, 3 the Kubernetes watch (31xx Git desired sources), 4 proxies,
/// 5 tenants and their log, 6 webhooks, 7 storage and keys, 8 the host and its API.
/// </summary>
public static class LogEvents
{
    public const int ServiceTransitions = 1001;
    public const int ServicePublishFailed = 1002;
    public const int ServiceIncomplete = 1003;

    public const int ClusterReloaded = 2001;
    public const int ClusterPollFailed = 2002;
    public const int ClusterUnreachable = 2003;
    public const int ClusterServiceFailed = 2004;
    public const int ClusterReminderFailed = 2005;
    public const int ClusterMoving = 2006;
    public const int ClusterReportFailed = 2007;
    public const int RemediationFailed = 2008;
    public const int RevertFailed = 2009;

    public const int WatchRelisted = 3001;
    public const int WatchExpired = 3002;
    public const int WatchFailed = 3003;
    public const int WatchUndelivered = 3004;
    public const int WatchListFailed = 3005;
    public const int WatchDiscoveryFailed = 3006;
    public const int GitFetched = 3101;
    public const int GitFetchFailed = 3102;
    public const int GitEvicted = 3103;

    public const int ProxyUnreadable = 4001;
    public const int ProxyReadAgain = 4002;
    public const int ProxyPollFailed = 4003;

    public const int TenantAppendFailed = 5001;
    // 5002 was the tenant's Orleans stream (removed: the log is the one delivery path).
    public const int TenantLogUnavailable = 5003;
    public const int TenantPersistFailed = 5004;

    public const int WebhookNotDelivered = 6001;
    public const int WebhookGaveUp = 6002;
    public const int WebhookTrimmed = 6003;
    public const int WebhookSecretMissing = 6004;

    public const int StateKept = 7001;
    public const int StateStored = 7002;
    public const int DuplicateActivation = 7003;
    public const int DigestKeyLoaded = 7011;
    public const int DigestKeyGenerated = 7012;
    public const int DigestKeyUnreachable = 7013;

    public const int WatchdogFailed = 8001;
    public const int HeapReclaimed = 8002;
    public const int ApiFailed = 8011;
    public const int ApiCursorRefused = 8012;
    public const int GitHookRefused = 8013;
    public const int WebhookCertificateLoaded = 8021;
    public const int WebhookCertificateRefused = 8022;
    public const int WebhookReviewMalformed = 8023;
    public const int WebhookInjected = 8024;
}
