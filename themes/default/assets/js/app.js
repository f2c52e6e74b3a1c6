// The default theme's script: account pages talk to Mall's REST API (/api/v1) with the shopper's bearer token.
// Texts come from the page (data-* attributes rendered by the theme in the shopper's language).
(function () {
  'use strict';
  var TOKEN = 'mall_token', SESSION = 'mall_cart_session';
  var $ = function (selector) { return document.querySelector(selector); };
  var token = function () { return localStorage.getItem(TOKEN); };
  var session = function () {
    var id = localStorage.getItem(SESSION);
    if (!id) { id = 'web-' + Math.random().toString(36).slice(2) + Date.now().toString(36); localStorage.setItem(SESSION, id); }
    return id;
  };
  var money = function (amount) { return '¥' + Number(amount).toFixed(2); };
  var text = function (value) { var span = document.createElement('span'); span.textContent = value == null ? '' : String(value); return span.innerHTML; };
  var notice = function (message) { var el = $('#notice'); if (el) el.textContent = message; };

  function api(method, path, body, headers) {
    var h = Object.assign({ 'Accept': 'application/json' }, headers || {});
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (token()) h['Authorization'] = 'Bearer ' + token(); else h['X-Mall-Cart-Session'] = session();
    return fetch('/api/v1' + path, { method: method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (response) {
      if (response.status === 401 && token()) { localStorage.removeItem(TOKEN); }
      return response.text().then(function (raw) {
        var data = raw ? JSON.parse(raw) : null;
        if (!response.ok) { var error = new Error((data && (data.detail || data.title)) || response.statusText); error.status = response.status; error.data = data; throw error; }
        return data;
      });
    });
  }
  var requireLogin = function () { if (!token()) { location.href = '/login?next=' + encodeURIComponent(location.pathname); return false; } return true; };

  document.querySelectorAll('[data-auth]').forEach(function (el) { el.hidden = (el.getAttribute('data-auth') === 'in') !== !!token(); });
  api('GET', '/cart').then(function (cart) { var n = cart.lines.reduce(function (s, l) { return s + l.quantity; }, 0); $('#cart-count').textContent = n ? '(' + n + ')' : ''; }).catch(function () {});

  var page = document.body.getAttribute('data-page');

  if (page === 'product') {
    var chosen = null, add = $('#add-to-cart');
    var skus = document.querySelectorAll('.sku');
    var choose = function (button) {
      skus.forEach(function (b) { b.classList.toggle('selected', b === button); });
      chosen = button.getAttribute('data-sku-id');
      $('#price').textContent = button.getAttribute('data-price');
      $('#stock').textContent = button.getAttribute('data-available');
      add.disabled = false;
    };
    skus.forEach(function (button) { button.addEventListener('click', function () { choose(button); }); });
    var available = Array.prototype.filter.call(skus, function (b) { return !b.disabled; });
    if (available.length === 1) choose(available[0]);
    add.addEventListener('click', function () {
      add.disabled = true;
      api('POST', '/cart/lines', { skuId: Number(chosen), quantity: Number($('#quantity').value) || 1 })
        .then(function (cart) { notice(add.getAttribute('data-added') || '✓'); var n = cart.lines.reduce(function (s, l) { return s + l.quantity; }, 0); $('#cart-count').textContent = '(' + n + ')'; })
        .catch(function (e) { notice(e.message); })
        .then(function () { add.disabled = false; });
    });
  }

  if (page === 'cart') {
    var box = $('#cart');
    var draw = function (cart) {
      if (!cart.lines.length) { box.innerHTML = '<p class="empty">' + text(box.getAttribute('data-empty-text')) + '</p>'; $('#go-checkout').hidden = true; }
      else {
        box.innerHTML = cart.lines.map(function (l) {
          return '<div class="cart-line" data-sku-id="' + l.skuId + '"><span class="name">' + text(l.productName) + ' <small>' + text(l.specValues.join(' / ')) + '</small></span>' +
            '<span>× ' + l.quantity + '</span><span class="price">' + money(l.unitPrice * l.quantity) + '</span>' +
            '<button type="button" data-remove="' + l.skuId + '">' + text(box.getAttribute('data-remove-text')) + '</button></div>';
        }).join('');
      }
      $('#cart-total').textContent = money(cart.selectedSubtotal);
    };
    api('GET', '/cart').then(draw);
    box.addEventListener('click', function (e) {
      var sku = e.target.getAttribute('data-remove');
      if (sku) api('DELETE', '/cart/lines/' + sku).then(draw);
    });
    $('#go-checkout').addEventListener('click', function (e) { if (!token()) { e.preventDefault(); location.href = '/login?next=/checkout'; } });
  }

  if (page === 'checkout' && requireLogin()) {
    var addressId = null, shippingMethod = null;
    var quote = function () {
      if (!addressId) return;
      api('POST', '/checkout/quote', { fromCart: true, addressId: addressId, shippingMethod: shippingMethod }).then(function (q) {
        // The shopper may choose among the methods that deliver; the cheapest is preselected.
        shippingMethod = q.shippingMethod;
        $('#shipping-options').innerHTML = q.shippingOptions.length > 1 ? q.shippingOptions.map(function (o) {
          return '<label class="address-option"><input type="radio" name="shipping" value="' + text(o.method) + '"' + (o.method === q.shippingMethod ? ' checked' : '') + '> ' +
            text(o.method) + ' · ' + money(o.amount) + '</label>';
        }).join('') : '';
        $('#quote').innerHTML = q.lines.map(function (l) { return '<div class="cart-line"><span class="name">' + text(l.productName) + '</span><span>× ' + l.quantity + '</span><span class="price">' + money(l.lineTotal) + '</span></div>'; }).join('');
        $('#shipping').textContent = money(q.shippingFee);
        $('#discount').textContent = money(q.discount);
        $('#quote-total').textContent = money(q.total);
      }).catch(function (e) { notice(e.message); });
    };
    var addresses = function () {
      api('GET', '/me/addresses').then(function (list) {
        $('#addresses').innerHTML = list.map(function (a) {
          return '<label class="address-option"><input type="radio" name="address" value="' + a.id + '"' + (a.isDefault || list.length === 1 ? ' checked' : '') + '> ' +
            text(a.receiver) + ' ' + text(a.phone) + ' · ' + text(a.detail) + '</label>';
        }).join('');
        var checked = document.querySelector('input[name=address]:checked');
        if (checked) { addressId = Number(checked.value); quote(); }
        $('#new-address').open = list.length === 0;
      });
    };
    $('#addresses').addEventListener('change', function (e) { addressId = Number(e.target.value); quote(); });
    $('#shipping-options').addEventListener('change', function (e) { shippingMethod = e.target.value; quote(); });
    $('#address-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var f = e.target;
      api('POST', '/me/addresses', { receiver: f.receiver.value, phone: f.phone.value, regionCode: f.regionCode.value, detail: f.detail.value, isDefault: true })
        .then(addresses).catch(function (err) { notice(err.message); });
    });
    var key = 'web-' + Date.now().toString(36) + Math.random().toString(36).slice(2);
    $('#place-order').addEventListener('click', function () {
      if (!addressId) { notice('…'); return; }
      $('#place-order').disabled = true;
      api('POST', '/orders', { fromCart: true, addressId: addressId, shippingMethod: shippingMethod }, { 'Idempotency-Key': key })
        .then(function (order) { location.href = '/orders/' + order.id; })
        .catch(function (e) { notice(e.message); $('#place-order').disabled = false; });
    });
    addresses();
  }

  if (page === 'orders' && requireLogin()) {
    api('GET', '/orders').then(function (result) {
      var box = $('#orders');
      box.innerHTML = result.items.length ? result.items.map(function (o) {
        return '<a class="order-row" href="/orders/' + o.id + '"><span class="name">' + text(o.number) + '</span><span>' + text(o.status) + '</span><span class="price">' + money(o.total) + '</span></a>';
      }).join('') : '<p class="empty">' + text(box.getAttribute('data-empty-text')) + '</p>';
    });
  }

  if (page === 'order' && requireLogin()) {
    var box2 = $('#order');
    api('GET', '/orders/' + box2.getAttribute('data-order-id')).then(function (o) {
      box2.innerHTML = '<p class="notice">' + text(box2.getAttribute('data-placed-text')) + '</p><p>#<span id="order-number">' + text(o.number) + '</span> · <span id="order-status">' + text(o.status) + '</span></p>' +
        o.lines.map(function (l) { return '<div class="cart-line"><span class="name">' + text(l.productName) + '</span><span>× ' + l.quantity + '</span><span class="price">' + money(l.lineTotal) + '</span></div>'; }).join('') +
        '<p class="total">' + money(o.total) + '</p>';
    }).catch(function (e) { box2.textContent = e.message; });
  }

  var afterLogin = function (result) {
    localStorage.setItem(TOKEN, result.accessToken);
    var next = new URLSearchParams(location.search).get('next');
    location.href = next && next.charAt(0) === '/' && next.charAt(1) !== '/' ? next : '/';
  };
  if (page === 'login') {
    $('#login-form').addEventListener('submit', function (e) {
      e.preventDefault();
      // The anonymous cart (session header) is merged into the shopper's at login.
      fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Mall-Cart-Session': session() }, body: JSON.stringify({ login: e.target.login.value, password: e.target.password.value }) })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); }).then(afterLogin).catch(function () { notice('✗'); });
    });
  }
  if (page === 'register') {
    $('#register-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var phone = e.target.phone.value, password = e.target.password.value;
      api('POST', '/auth/register', { phone: phone, password: password })
        .then(function () { return fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Mall-Cart-Session': session() }, body: JSON.stringify({ login: phone, password: password }) }); })
        .then(function (r) { return r.json(); }).then(afterLogin).catch(function (err) { notice(err.message); });
    });
  }
})();
