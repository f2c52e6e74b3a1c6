using System.Globalization;
using Mall.Common;
using Mall.Data;
using Mall.Web.Themes;
using static Mall.Data.MallSql;

namespace Mall.Plugins.GroupBuy;

/// <summary>On product pages (zone <c>product_after_price</c>): the running group-buy activity of the product, its group price and a link to its page.</summary>
public sealed class GroupBuyProductWidget(IMallDatabase database, TimeProvider clock) : IStorefrontWidget
{
    /// <inheritdoc />
    public string Zone => "product_after_price";

    /// <inheritdoc />
    public string Template => """
        <div class="groupbuy-widget" data-activity-id="{{ activityId }}">
          <span class="groupbuy-tag">拼团 Group-buy</span> <strong>{{ money groupPrice }}</strong> · {{ teamSize }} 人团 people · {{ openTeams }} 个团进行中 teams open
          <a class="groupbuy-link" href="/groupbuy/{{ activityId }}">去拼团 Join or open a team</a>
        </div>
        """;

    /// <inheritdoc />
    public async Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken)
    {
        // The page's SKUs come with the context: the plugin reads only its own tables.
        if (context.ProductId is null || context.SkuIds.Count == 0) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // One query per product page: the running activity, its lowest group price and its open teams.
        var found = await QueryAsync(connection, null,
            "SELECT a.id, MIN(x.group_price), a.team_size, (SELECT COUNT(*) FROM groupbuy_team t WHERE t.activity_id = a.id AND t.status = @open AND t.seats < t.team_size AND t.expires_at > @now) " +
            "FROM groupbuy_activity a JOIN groupbuy_activity_sku x ON x.activity_id = a.id " +
            $"WHERE x.sku_id IN ({string.Join(", ", context.SkuIds.Select((_, i) => "@sku" + i.ToString(CultureInfo.InvariantCulture)))}) AND a.is_active = @yes AND a.sold < a.stock_cap AND (a.starts_at IS NULL OR a.starts_at <= @now) AND (a.ends_at IS NULL OR a.ends_at > @now) " +
            $"GROUP BY a.id, a.team_size ORDER BY a.id {database.Dialect.Page("0", "1")}",
            r => new WidgetModel(r.GetInt64(0), Money.FromCents(Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)), r.GetInt32(2), Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture)),
            cancellationToken, [.. context.SkuIds.Select((sku, i) => ("sku" + i.ToString(CultureInfo.InvariantCulture), (object?)sku)), ("yes", true), ("now", now), ("open", (short)TeamStatus.Open)]);
        return found.Count == 0 ? null : found[0];
    }

    private sealed record WidgetModel(long ActivityId, decimal GroupPrice, int TeamSize, long OpenTeams);
}

/// <summary>The plugin's storefront pages, rendered inside the active theme: an activity (<c>/groupbuy/{id}</c>) and a team (<c>/groupbuy/teams/{id}</c>, the link a shopper shares).</summary>
internal static class GroupBuyPages
{
    // Buying: the shopper's default (else first) address, one unit, the choice as a checkout extension; then the order
    // page to pay. One idempotency key per page view, so a double tap places one order.
    private const string BuyScript =
        "function gbBuy(sku,key,value,box){var t=localStorage.getItem('mall_token');if(!t){location.href='/login?next='+encodeURIComponent(location.pathname);return;}" +
        "var h={'Authorization':'Bearer '+t,'Content-Type':'application/json'};" +
        "fetch('/api/v1/me/addresses',{headers:h}).then(function(r){return r.json();}).then(function(a){a=a.items||a;var d=(a.filter(function(x){return x.isDefault;})[0]||a[0]);" +
        "if(!d){box.textContent='请先添加收货地址 Add an address first';return;}var e={};e[key]=String(value);window.gbKey=window.gbKey||('gb-'+key+'-'+value+'-'+Date.now());h['Idempotency-Key']=window.gbKey;" +
        "return fetch('/api/v1/orders',{method:'POST',headers:h,body:JSON.stringify({lines:[{skuId:sku,quantity:1}],addressId:d.id,extensions:e})}).then(function(r){return r.json();})" +
        ".then(function(o){if(o.id){location.href='/orders/'+o.id;}else{box.textContent=o.detail||o.title||'';}});});}";

    public const string ActivityTemplate = """
        <section class="groupbuy" data-activity-id="{{ activity.id }}">
          <h1>拼团 {{ activity.name }}</h1>
          <p class="terms">{{ activity.teamSize }} 人成团 people per team · {{ activity.teamMinutes }} 分钟 minutes{{ if activity.leaderDiscount }} · 团长再减 leader saves {{ money activity.leaderDiscount }}{{ end }}</p>
          <ul class="skus">{{ for sku in activity.skus }}<li data-sku-id="{{ sku.skuId }}">{{ money sku.groupPrice }}
            {{ if running }}<button type="button" class="primary groupbuy-open" onclick="gbBuy({{ sku.skuId }},'groupbuy.activity',{{ activity.id }},document.querySelector('.groupbuy .notice'))">开团 Open a team</button>{{ end }}</li>{{ end }}</ul>
          <h2>可参与的团 Teams to join</h2>
          <ol class="teams">{{ for open in openTeams }}<li data-team-id="{{ open.id }}"><a href="/groupbuy/teams/{{ open.id }}">#{{ open.id }}</a> · {{ open.paid }}/{{ open.teamSize }} · 还差 {{ open.seatsLeft }} 人 seats left · {{ date open.expiresAt }}</li>{{ end }}{{ if openTeams.size == 0 }}<li class="empty">暂无 None yet: open one.</li>{{ end }}</ol>
          <p class="notice" role="status"></p>
        </section>
        <script>
        """ + BuyScript + """
        </script>
        """;

    public const string TeamTemplate = """
        <section class="groupbuy-team" data-team-id="{{ team.id }}">
          <h1>拼团 Team #{{ team.id }}</h1>
          <p class="progress"><span class="paid">{{ team.paid }}</span> / {{ team.teamSize }} · <span class="status">{{ team.status }}</span>{{ if team.virtualMembers }} · +{{ team.virtualMembers }}{{ end }}</p>
          <p class="deadline">{{ if team.expiresAt }}截止 Closes {{ date team.expiresAt }}{{ end }}</p>
          <ol class="members">{{ for member in team.members }}<li class="{{ if member.isLeader }}leader{{ end }}">{{ if member.isLeader }}团长 Leader{{ else }}团员 Member{{ end }} · {{ if member.paid }}已付 paid{{ else }}待付 paying{{ end }}</li>{{ end }}</ol>
          <p class="share">分享链接 Share: <input readonly value="{{ shareUrl }}" onfocus="this.select()"></p>
          {{ if joinable }}<button type="button" class="primary groupbuy-join" onclick="gbBuy({{ skuId }},'groupbuy.team',{{ team.id }},document.querySelector('.groupbuy-team .notice'))">参团 Join for {{ money groupPrice }}</button>{{ end }}
          <p class="notice" role="status"></p>
        </section>
        <script>
        """ + BuyScript + """
        </script>
        """;

    public static string Title(string what, long id) => string.Create(CultureInfo.InvariantCulture, $"拼团 {what} #{id}");
}
