using System.Globalization;
using Mall.Common;
using Mall.Data;
using Mall.Web.Themes;

namespace Mall.Plugins.Bargain;

/// <summary>On product pages (zone <c>product_after_price</c>): the running bargain activity of the product, with a start button.</summary>
public sealed class BargainProductWidget(IMallDatabase database, TimeProvider clock) : IStorefrontWidget
{
    /// <inheritdoc />
    public string Zone => "product_after_price";

    /// <inheritdoc />
    public string Template => """
        <div class="bargain-widget" data-activity-id="{{ activityId }}">
          <span class="bargain-tag">砍价 Bargain</span> {{ money startPrice }} → <strong>{{ money floorPrice }}</strong> · {{ helpersNeeded }} 位好友 friends
          <button type="button" class="bargain-start" onclick="(function(b){var t=localStorage.getItem('mall_token');if(!t){location.href='/login?next='+encodeURIComponent(location.pathname);return;}fetch('/api/plugins/bargain/activities/'+b.getAttribute('data-activity-id')+'/start',{method:'POST',headers:{'Authorization':'Bearer '+t}}).then(function(r){return r.json();}).then(function(x){location.href='/bargain/'+(x.id||'');});})(this.parentNode)">发起砍价 Start</button>
        </div>
        """;

    /// <inheritdoc />
    public async Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken)
    {
        // The page's SKUs come with the context: the plugin reads only its own table.
        if (context.ProductId is null || context.SkuIds.Count == 0) return null;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var skus = string.Join(", ", context.SkuIds.Select((_, i) => "@sku" + i.ToString(CultureInfo.InvariantCulture)));
        command.CommandText =
            $"SELECT a.id, a.start_price, a.floor_price, a.helpers_needed FROM bargain_activity a WHERE a.sku_id IN ({skus}) " +
            "AND a.is_active = @yes AND a.sold < a.stock_cap AND (a.starts_at IS NULL OR a.starts_at <= @now) AND (a.ends_at IS NULL OR a.ends_at > @now) ORDER BY a.id";
        for (var i = 0; i < context.SkuIds.Count; i++) BargainStore.Add(command, "sku" + i.ToString(CultureInfo.InvariantCulture), context.SkuIds[i]);
        BargainStore.Add(command, "yes", true);
        BargainStore.Add(command, "now", clock.GetUtcNow().UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new WidgetModel(reader.GetInt64(0), Money.FromCents(reader.GetInt64(1)), Money.FromCents(reader.GetInt64(2)), reader.GetInt32(3));
    }

    private sealed record WidgetModel(long ActivityId, decimal StartPrice, decimal FloorPrice, int HelpersNeeded);
}

/// <summary>The bargain page (<c>/bargain/{id}</c>, the link a shopper shares): progress, helpers, and a help button for friends.</summary>
internal static class BargainPage
{
    public const string Template = """
        <section class="bargain" data-bargain-id="{{ id }}">
          <h1>砍价 Bargain #{{ id }}</h1>
          <p class="price">{{ money currentPrice }} <small>{{ money startPrice }} → {{ money floorPrice }}</small></p>
          <p class="progress">{{ helps }} / {{ helpersNeeded }} · <span class="status">{{ status }}</span></p>
          <ol class="helpers">{{ for helper in helpers }}<li>#{{ helper.helperId }} −{{ money helper.cut }}</li>{{ end }}</ol>
          <button type="button" class="primary bargain-help" onclick="(function(s){var t=localStorage.getItem('mall_token');if(!t){location.href='/login?next='+encodeURIComponent(location.pathname);return;}fetch('/api/plugins/bargain/bargains/'+s.getAttribute('data-bargain-id')+'/help',{method:'POST',headers:{'Authorization':'Bearer '+t}}).then(function(r){return r.json();}).then(function(x){if(x.code){s.querySelector('.notice').textContent=x.detail||x.code;}else{location.reload();}});})(this.parentNode)">帮砍一刀 Help</button>
          <p class="notice" role="status"></p>
        </section>
        """;

    public static string Title(long id) => string.Create(CultureInfo.InvariantCulture, $"砍价 #{id}");
}
