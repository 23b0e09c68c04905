// PersistentMap: an immutable ordered map whose updates return a new map
// that shares every untouched node with the old one (an AVL tree with path
// copying).
//
// Why it is here: a metadata answer or a Cattle snapshot lists the whole
// fleet, and every host reads one every loop. Copying the list into every
// answer, or rebuilding it on every Cattle change, makes a fleet of N cost N
// per read and N per change. With this map an update costs O(log N) new
// nodes, an answer is a pointer copy, and any number of versions can be held
// at once (a lagging replica keeps the one it loaded).
//
// Nodes are never modified after construction, so a map can be read from
// several threads; updates are made by one owner at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

namespace swarmsim::model {

template <class K, class V, class Less = std::less<K>>
class PersistentMap {
  struct Node;
  using Ptr = std::shared_ptr<const Node>;
  struct Node {
    K key;
    V value;
    Ptr left, right;
    std::uint8_t height = 1;
    std::size_t size = 1;
  };

 public:
  PersistentMap() = default;

  // Builds a balanced map from entries sorted by key, without duplicates.
  static PersistentMap from_sorted(std::vector<std::pair<K, V>> entries) {
    PersistentMap m;
    m.root_ = build(entries, 0, entries.size());
    return m;
  }

  std::size_t size() const { return root_ ? root_->size : 0; }
  bool empty() const { return !root_; }

  const V* find(const K& key) const {
    const Node* n = root_.get();
    while (n) {
      if (less_(key, n->key))
        n = n->left.get();
      else if (less_(n->key, key))
        n = n->right.get();
      else
        return &n->value;
    }
    return nullptr;
  }

  // The map with `key` set to `value` (added or replaced).
  [[nodiscard]] PersistentMap set(const K& key, V value) const {
    PersistentMap m;
    m.root_ = insert(root_, key, std::move(value));
    return m;
  }
  // The map without `key` (itself when the key is absent).
  [[nodiscard]] PersistentMap erase(const K& key) const {
    if (!find(key)) return *this;
    PersistentMap m;
    m.root_ = remove(root_, key);
    return m;
  }

  // In key order.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<const K&, const V&>;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    const_iterator() = default;
    const K& key() const { return stack_[depth_ - 1]->key; }
    const V& value() const { return stack_[depth_ - 1]->value; }
    value_type operator*() const { return {key(), value()}; }
    const_iterator& operator++() {
      const Node* n = stack_[--depth_]->right.get();
      push_left(n);
      return *this;
    }
    const_iterator operator++(int) {
      auto old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      if (a.depth_ != b.depth_) return false;
      return a.depth_ == 0 || a.stack_[a.depth_ - 1] == b.stack_[b.depth_ - 1];
    }

   private:
    friend class PersistentMap;
    explicit const_iterator(const Node* root) { push_left(root); }
    void push_left(const Node* n) {
      for (; n; n = n->left.get()) stack_[depth_++] = n;
    }
    // An AVL tree of height h has at least fib(h+2)-1 nodes: 64 levels is
    // more than any map that fits in memory.
    std::array<const Node*, 64> stack_{};
    std::size_t depth_ = 0;
  };

  const_iterator begin() const { return const_iterator(root_.get()); }
  const_iterator end() const { return const_iterator(); }

  // Whether both maps are the same version (not merely equal contents).
  bool same_as(const PersistentMap& o) const { return root_ == o.root_; }

 private:
  static int height(const Ptr& n) { return n ? n->height : 0; }
  static std::size_t count(const Ptr& n) { return n ? n->size : 0; }

  static Ptr make(const K& key, V value, Ptr left, Ptr right) {
    auto n = std::make_shared<Node>();
    n->key = key;
    n->value = std::move(value);
    n->height = static_cast<std::uint8_t>(1 + std::max(height(left), height(right)));
    n->size = 1 + count(left) + count(right);
    n->left = std::move(left);
    n->right = std::move(right);
    return n;
  }

  // A node over two subtrees whose heights differ by at most two.
  static Ptr balance(const K& key, V value, Ptr l, Ptr r) {
    const int hl = height(l), hr = height(r);
    if (hl > hr + 1) {
      if (height(l->left) >= height(l->right))
        return make(l->key, l->value, l->left, make(key, std::move(value), l->right, std::move(r)));
      const Node& lr = *l->right;
      return make(lr.key, lr.value, make(l->key, l->value, l->left, lr.left),
                  make(key, std::move(value), lr.right, std::move(r)));
    }
    if (hr > hl + 1) {
      if (height(r->right) >= height(r->left))
        return make(r->key, r->value, make(key, std::move(value), std::move(l), r->left), r->right);
      const Node& rl = *r->left;
      return make(rl.key, rl.value, make(key, std::move(value), std::move(l), rl.left),
                  make(r->key, r->value, rl.right, r->right));
    }
    return make(key, std::move(value), std::move(l), std::move(r));
  }

  Ptr insert(const Ptr& n, const K& key, V value) const {
    if (!n) return make(key, std::move(value), nullptr, nullptr);
    if (less_(key, n->key))
      return balance(n->key, n->value, insert(n->left, key, std::move(value)), n->right);
    if (less_(n->key, key))
      return balance(n->key, n->value, n->left, insert(n->right, key, std::move(value)));
    return make(key, std::move(value), n->left, n->right);
  }

  static Ptr remove_min(const Ptr& n, const Node*& min) {
    if (!n->left) {
      min = n.get();
      return n->right;
    }
    return balance(n->key, n->value, remove_min(n->left, min), n->right);
  }

  Ptr remove(const Ptr& n, const K& key) const {
    if (less_(key, n->key)) return balance(n->key, n->value, remove(n->left, key), n->right);
    if (less_(n->key, key)) return balance(n->key, n->value, n->left, remove(n->right, key));
    if (!n->left) return n->right;
    if (!n->right) return n->left;
    const Node* min = nullptr;
    Ptr right = remove_min(n->right, min);  // `min` stays owned by n->right
    return balance(min->key, min->value, n->left, std::move(right));
  }

  static Ptr build(std::vector<std::pair<K, V>>& e, std::size_t from, std::size_t to) {
    if (from == to) return nullptr;
    const std::size_t mid = from + (to - from) / 2;
    Ptr l = build(e, from, mid);
    Ptr r = build(e, mid + 1, to);
    return make(e[mid].first, std::move(e[mid].second), std::move(l), std::move(r));
  }

  Ptr root_;
  [[no_unique_address]] Less less_{};
};

}  // namespace swarmsim::model
