(function () {
  "use strict";

  // Rows come from the JSON data block and are built with textContent only:
  // no data value is ever parsed as markup. One page is in the DOM at a time.
  var PAGE_SIZE = 50;
  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  var SEVERITIES = ["critical", "high", "medium", "low", "info"];
  // Every data table of the page, by element id (account prefix included).
  var tables = {};

  // One report per data block: a page of several accounts has one block per
  // account, its ids prefixed "acct-<id>-" (reporter/render/accounts.py).
  // The body below is the one-account script, run once per block.
  function setupReport(block) {
  var prefix = block.id.slice(0, block.id.length - "report-data".length);
  var raw = JSON.parse(block.textContent);
  var S = raw.strings;
  // False when the at-risk check could not run: "no" would then be a guess.
  var atRiskAssessed = raw.at_risk_assessed;

  // Rows arrive as arrays in the column orders of reporter/render/html.py,
  // repeated strings as numbers into raw.strings; decode them once.
  function str(i) {
    return i === null ? null : S[i];
  }

  function strs(list) {
    return list.map(str);
  }

  // Members and findings are referred to by their row number; an id that is
  // no row of the block stays as it is.
  function rowId(rows, i) {
    return typeof i === "number" ? rows[i][0] : i;
  }

  function memberIds(list) {
    return list.map(function (i) { return rowId(raw.members, i); });
  }

  // A detail is one string number, or the numbers of the parts between the
  // places it names the finding's subject.
  function detail(d, subject) {
    return typeof d === "number" ? S[d] : strs(d).join(subject);
  }

  var data = {
    members: raw.members.map(function (r) {
      return { id: r[0], email: r[1], name: r[2], status: str(r[3]), tfa: r[4],
        idp: str(r[5]), grants: r[6].map(strs), vg: strs(r[7]), ug: strs(r[8]),
        lose: strs(r[9]),
        findings: r[10].map(function (i) { return rowId(raw.findings, i); }) };
    }),
    findings: raw.findings.map(function (r) {
      return { id: r[0], check: str(r[1]), severity: str(r[2]), title: str(r[3]),
        subject: r[4], detail: detail(r[5], r[4]), members: memberIds(r[6]),
        suppression: r[7] };
    }),
    idp: raw.idp.map(function (r) {
      return [str(r[0]), str(r[1]), r[2], str(r[3]), str(r[4]), str(r[5]),
        r[6] === null ? null : rowId(raw.members, r[6]), str(r[7]), str(r[8]),
        str(r[9])];
    }),
    requests: raw.requests.map(function (r) {
      return [str(r[0]), str(r[1]), r[2], r[3], r[4], r[5]];
    }),
    audit: (raw.audit || []).map(function (r) {
      return [r[0], r[1], str(r[2]), r[3], str(r[4]), r[5], str(r[6]), str(r[7]), r[8]];
    })
  };
  var memberById = {};
  data.members.forEach(function (m) {
    memberById[m.id] = m;
  });
  var findingById = {};
  data.findings.forEach(function (f) {
    findingById[f.id] = f;
  });

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function link(anchor, text) {
    var a = el("a", text);
    a.setAttribute("href", "#" + anchor);
    return a;
  }

  function cell(row, content, options) {
    var td = el("td");
    if (options && options.auto) {
      td.setAttribute("dir", "auto");
    }
    (Array.isArray(content) ? content : [content]).forEach(function (part) {
      if (part === null || part === undefined) {
        return;
      }
      td.appendChild(typeof part === "object" ? part : document.createTextNode(String(part)));
    });
    row.appendChild(td);
    return td;
  }

  function lines(parts) {
    var out = [];
    parts.forEach(function (part, index) {
      if (index) {
        out.push(el("br"));
      }
      out.push(part);
    });
    return out;
  }

  function links(items, separator) {
    var out = [];
    items.forEach(function (item, index) {
      if (index) {
        out.push(separator);
      }
      out.push(item);
    });
    return out;
  }

  function memberAnchor(id) {
    return prefix + "member-" + id;
  }

  function findingAnchor(id) {
    return prefix + "finding-" + id;
  }

  function yesNo(value) {
    return value === null ? "unknown" : value ? "yes" : "no";
  }

  function grantsTable(grants) {
    var table = el("table", null, "grants");
    var head = table.createTHead().insertRow();
    ["Permission group", "Scope", "Access", "Source"].forEach(function (label) {
      var th = el("th", label);
      th.setAttribute("scope", "col");
      head.appendChild(th);
    });
    var body = table.createTBody();
    grants.forEach(function (g) {
      var tr = body.insertRow();
      tr.className = "access-" + g[2];
      [g[0], g[1], g[2], g[3] + ": " + g[4]].forEach(function (text) {
        cell(tr, text);
      });
    });
    return table;
  }

  function renderMember(m, tr) {
    tr.id = memberAnchor(m.id);
    tr.className = "member" + (m.lose.length ? " at-risk" : "");
    cell(tr, lines([m.email, el("code", m.id)]));
    cell(tr, el("bdi", m.name), { auto: true });
    cell(tr, lines([m.status, "2FA: " + yesNo(m.tfa), "IdP: " + (m.idp || "not in IdP")]));
    var grants = cell(tr, m.grants.length ? grantsTable(m.grants) : "No grants.");
    if (m.findings.length) {
      var box = el("div", "Findings: ", "member-findings");
      links(m.findings.map(function (id) {
        var f = findingById[id];
        return link(findingAnchor(id), f ? f.title + " (" + f.severity + ")" : id);
      }), "; ").forEach(function (part) {
        box.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
      });
      grants.appendChild(box);
    }
    var groups = [];
    if (m.vg.length) {
      groups.push(el("div", "Virtual: " + m.vg.join(", ")));
    }
    if (m.ug.length) {
      groups.push(el("div", "User groups: " + m.ug.join(", ")));
    }
    cell(tr, groups);
    cell(tr, !atRiskAssessed ? "could not assess" :
      m.lose.length ? "yes: would lose " + m.lose.join(", ") : "no");
  }

  function renderAtRisk(m, tr) {
    tr.className = "at-risk-member";
    cell(tr, link(memberAnchor(m.id), m.email));
    cell(tr, el("bdi", m.name), { auto: true });
    cell(tr, m.lose.join(", ")).className = "would-lose";
    cell(tr, m.vg.join(", "));
  }

  function renderFinding(f, tr) {
    tr.id = findingAnchor(f.id);
    tr.className = "finding severity-" + f.severity + (f.suppression ? " suppressed" : "");
    var severity = [el("span", f.severity, "severity")];
    if (f.suppression) {
      // [owner, reason, expires]: an accepted risk, still listed.
      // Owner and reason are free text: each isolated, so a right-to-left
      // value cannot reorder the words around it.
      var note = el("span", "suppressed until " + f.suppression[2] + " by ", "suppression");
      note.appendChild(el("bdi", f.suppression[0]));
      note.appendChild(document.createTextNode(": "));
      note.appendChild(el("bdi", f.suppression[1]));
      severity.push(note);
    }
    cell(tr, lines(severity));
    cell(tr, lines([el("strong", f.title), el("code", f.check)]));
    cell(tr, f.subject, { auto: true });
    cell(tr, f.detail, { auto: true });
    cell(tr, links(f.members.map(function (id) {
      return link(memberAnchor(id), memberById[id] ? memberById[id].email : id);
    }), ", "));
  }

  // [app, label, login, scope, assignment, user, member, idp, apps, group]
  function renderAssignment(a, tr) {
    cell(tr, a[7]);
    cell(tr, a[0] + ": " + a[1]);
    cell(tr, a[2]);
    cell(tr, a[3]);
    cell(tr, a[9] || (a[3] === "GROUP" ? "not told" : ""));
    cell(tr, a[8]);
    cell(tr, a[4]);
    cell(tr, a[5]);
    cell(tr, a[6] ? link(memberAnchor(a[6]), a[6]) : "no member");
  }

  function renderRequest(r, tr) {
    tr.className = r[3] >= 200 && r[3] < 300 ? "request" : "request failed";
    cell(tr, el("code", r[0]));
    cell(tr, el("code", r[1] + " " + r[2]));
    cell(tr, r[3] === null ? "no answer" : r[3]);
    cell(tr, r[4]);
    cell(tr, r[5]);
  }

  // [time, actor, actor type, action, subject, resource, result, integration, id]
  function renderAudit(a, tr) {
    tr.className = "audit-entry result-" + a[6];
    cell(tr, a[0]);
    cell(tr, lines([a[1], a[2]]), { auto: true });
    cell(tr, lines([a[3], a[4]]));
    cell(tr, lines([a[5], el("code", a[8])]), { auto: true });
    cell(tr, a[6]);
    cell(tr, a[7] || "not told");
  }

  function memberText(m) {
    var grants = m.grants.map(function (g) {
      return g.join(" ");
    });
    return [m.email, m.name, m.id, m.status, m.idp || "", m.vg.join(" "), m.ug.join(" "),
      m.lose.join(" "), grants.join(" ")].join(" ");
  }

  var TABLES = {
    "members-table": {
      rows: data.members,
      anchor: function (m) { return memberAnchor(m.id); },
      render: renderMember,
      text: memberText,
      keys: {
        email: function (m) { return m.email; },
        name: function (m) { return m.name; },
        status: function (m) { return m.status; },
        grants: function (m) { return m.grants.length; },
        groups: function (m) { return m.vg.length + m.ug.length; },
        lose: function (m) { return m.lose.length; }
      },
      filters: {
        show: function (m, value) {
          return value === "at-risk" ? m.lose.length > 0 :
            value === "findings" ? m.findings.length > 0 : true;
        }
      }
    },
    "at-risk-table": {
      rows: data.members.filter(function (m) { return m.lose.length > 0; }),
      render: renderAtRisk,
      text: memberText,
      keys: {
        email: function (m) { return m.email; },
        name: function (m) { return m.name; },
        lose: function (m) { return m.lose.join(", "); },
        vg: function (m) { return m.vg.join(", "); }
      }
    },
    "findings-table": {
      rows: data.findings,
      anchor: function (f) { return findingAnchor(f.id); },
      render: renderFinding,
      text: function (f) {
        return [f.id, f.check, f.severity, f.title, f.subject, f.detail,
          f.members.map(function (id) {
            return memberById[id] ? memberById[id].email : id;
          }).join(" ")].join(" ");
      },
      keys: {
        severity: function (f) { return SEVERITIES.indexOf(f.severity); },
        title: function (f) { return f.title; },
        subject: function (f) { return f.subject; },
        detail: function (f) { return f.detail; },
        members: function (f) { return f.members.length; }
      },
      filters: {
        severity: function (f, value) { return f.severity === value; },
        check: function (f, value) { return f.check === value; }
      }
    },
    "idp-table": {
      rows: data.idp,
      render: renderAssignment,
      text: function (a) { return a.join(" "); },
      keys: {
        idp: function (a) { return a[7]; },
        app: function (a) { return a[0]; },
        login: function (a) { return a[2]; },
        scope: function (a) { return a[3]; },
        group: function (a) { return a[9]; },
        apps: function (a) { return a[8]; },
        assignment: function (a) { return a[4]; },
        user: function (a) { return a[5]; },
        member: function (a) { return a[6] || ""; }
      }
    },
    "audit-table": {
      rows: data.audit,
      render: renderAudit,
      text: function (a) { return a.join(" "); },
      keys: {
        time: function (a) { return a[0]; },
        actor: function (a) { return a[1]; },
        action: function (a) { return a[3]; },
        resource: function (a) { return a[5]; },
        result: function (a) { return a[6]; },
        integration: function (a) { return a[7]; }
      },
      filters: {
        subject: function (a, value) { return a[4] === value; }
      }
    },
    "requests-table": {
      rows: data.requests,
      render: renderRequest,
      text: function (r) { return r.join(" "); },
      keys: {
        entry: function (r) { return r[0]; },
        path: function (r) { return r[2]; },
        status: function (r) { return r[3] === null ? -1 : r[3]; },
        page: function (r) { return r[4]; },
        elapsed: function (r) { return r[5]; }
      }
    }
  };

  function compare(x, y) {
    if (typeof x === "number" && typeof y === "number") {
      return x - y;
    }
    return collator.compare(String(x), String(y));
  }

  function Table(element, spec) {
    this.element = element;
    this.spec = spec;
    this.query = "";
    this.filters = {};
    this.sortKey = null;
    this.ascending = true;
    this.page = 0;
    this.texts = null;
    this.view = spec.rows;
  }

  Table.prototype.haystack = function (index) {
    if (!this.texts) {
      var text = this.spec.text;
      this.texts = this.spec.rows.map(function (row) {
        return text(row).toLowerCase();
      });
    }
    return this.texts[index];
  };

  Table.prototype.refresh = function () {
    var self = this;
    var query = this.query;
    var active = Object.keys(this.filters).filter(function (name) {
      return self.filters[name] !== "";
    });
    var chosen = [];
    this.spec.rows.forEach(function (row, index) {
      if (query && self.haystack(index).indexOf(query) === -1) {
        return;
      }
      for (var i = 0; i < active.length; i += 1) {
        if (!self.spec.filters[active[i]](row, self.filters[active[i]])) {
          return;
        }
      }
      chosen.push(row);
    });
    if (this.sortKey) {
      var key = this.spec.keys[this.sortKey];
      var sign = this.ascending ? 1 : -1;
      chosen.sort(function (a, b) {
        return sign * compare(key(a), key(b));
      });
    }
    this.view = chosen;
  };

  Table.prototype.pages = function () {
    return Math.max(1, Math.ceil(this.view.length / PAGE_SIZE));
  };

  Table.prototype.draw = function () {
    var body = this.element.tBodies[0];
    var start = this.page * PAGE_SIZE;
    var fragment = document.createDocumentFragment();
    var render = this.spec.render;
    this.view.slice(start, start + PAGE_SIZE).forEach(function (row) {
      var tr = document.createElement("tr");
      render(row, tr);
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    this.status();
  };

  Table.prototype.status = function () {
    var id = this.element.id;
    var total = this.spec.rows.length;
    document.querySelectorAll('[data-table="' + id + '"][data-role="count"]').forEach(function (node) {
      node.textContent = "Showing " + this.view.length + " of " + total;
    }, this);
    var pager = document.querySelector('.pager[data-table="' + id + '"]');
    if (pager) {
      pager.hidden = this.pages() < 2;
      pager.querySelector('[data-role="page"]').textContent =
        "Page " + (this.page + 1) + " of " + this.pages();
      pager.querySelector('[data-role="prev"]').disabled = this.page === 0;
      pager.querySelector('[data-role="next"]').disabled = this.page + 1 >= this.pages();
    }
  };

  Table.prototype.update = function () {
    this.refresh();
    this.page = 0;
    this.draw();
  };

  Table.prototype.sortBy = function (header) {
    var key = header.getAttribute("data-sort");
    this.ascending = this.sortKey === key ? !this.ascending : true;
    this.sortKey = key;
    Array.prototype.forEach.call(header.parentNode.cells, function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", this.ascending ? "ascending" : "descending");
    this.update();
  };

  Table.prototype.clear = function () {
    var id = this.element.id;
    this.query = "";
    this.filters = {};
    document.querySelectorAll('[data-table="' + id + '"]').forEach(function (control) {
      if (control.matches("input, select")) {
        control.value = "";
      }
    });
    this.refresh();
  };

  // Shows the row with this anchor: clears the filters if they hide it,
  // turns to its page and scrolls it into view.
  Table.prototype.reveal = function (anchor) {
    var anchorOf = this.spec.anchor;
    if (!anchorOf) {
      return null;
    }
    var find = function (rows) {
      for (var i = 0; i < rows.length; i += 1) {
        if (anchorOf(rows[i]) === anchor) {
          return i;
        }
      }
      return -1;
    };
    if (find(this.spec.rows) === -1) {
      return null;
    }
    if (find(this.view) === -1) {
      this.clear();
    }
    this.page = Math.floor(find(this.view) / PAGE_SIZE);
    this.draw();
    return document.getElementById(anchor);
  };

  Object.keys(TABLES).forEach(function (id) {
    var element = document.getElementById(prefix + id);
    if (element) {
      tables[prefix + id] = new Table(element, TABLES[id]);
      tables[prefix + id].draw();
    }
  });
  }

  document.querySelectorAll('script[type="application/json"][id$="report-data"]')
    .forEach(setupReport);

  document.querySelectorAll("[data-table]").forEach(function (control) {
    var table = tables[control.getAttribute("data-table")];
    if (!table) {
      return;
    }
    var role = control.getAttribute("data-role");
    var filter = control.getAttribute("data-filter");
    if (role === "search") {
      control.addEventListener("input", function () {
        table.query = control.value.trim().toLowerCase();
        table.update();
      });
    } else if (filter) {
      control.addEventListener("change", function () {
        table.filters[filter] = control.value;
        table.update();
      });
    } else if (control.classList.contains("pager")) {
      control.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button || button.disabled) {
          return;
        }
        table.page += button.getAttribute("data-role") === "next" ? 1 : -1;
        table.draw();
      });
    }
  });

  Object.keys(tables).forEach(function (id) {
    tables[id].element.querySelectorAll("th[data-sort] button").forEach(function (button) {
      button.addEventListener("click", function () {
        tables[id].sortBy(button.parentNode);
      });
    });
  });

  var targeted = null;

  function revealHash() {
    var anchor = decodeURIComponent(window.location.hash.slice(1));
    if (!anchor || document.getElementById(anchor) &&
        !/^(acct-[0-9a-f]+-)?(member|finding)-/.test(anchor)) {
      return;
    }
    var ids = Object.keys(tables);
    for (var i = 0; i < ids.length; i += 1) {
      var row = tables[ids[i]].reveal(anchor);
      if (row) {
        if (targeted) {
          targeted.classList.remove("targeted");
        }
        targeted = row;
        row.classList.add("targeted");
        row.scrollIntoView({ block: "center" });
        return;
      }
    }
  }

  window.addEventListener("hashchange", revealHash);
  // A click on the link already in the address bar fires no hashchange.
  document.addEventListener("click", function (event) {
    var a = event.target.closest('a[href^="#member-"], a[href^="#finding-"], a[href^="#acct-"]');
    if (a && a.getAttribute("href") === window.location.hash) {
      revealHash();
    }
  });
  revealHash();

  // The small tables are in the markup: sort them in place.
  function cellText(row, index) {
    var td = row.cells[index];
    return td ? td.textContent.trim() : "";
  }

  function sortStatic(table, header) {
    var index = header.cellIndex;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.cells, function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = cellText(r1, index);
      var b = cellText(r2, index);
      var order = a !== "" && b !== "" && !isNaN(a) && !isNaN(b) ? a - b : collator.compare(a, b);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) {
      return;
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header) {
      var button = header.querySelector("button");
      if (button) {
        button.addEventListener("click", function () {
          sortStatic(table, header);
        });
      }
    });
  });
})();
